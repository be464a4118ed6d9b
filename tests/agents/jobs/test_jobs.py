"""The job runner caches what a job produced, and never an infrastructure loss."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from agents.jobs.runner import JobRunner
from sandbox.base import Limits, SandboxJob, SandboxResult


class Scripted:
    """A sandbox whose results are given in order; it counts the jobs it ran."""

    name = "scripted"

    def __init__(self, *results: SandboxResult) -> None:
        self.results = list(results)
        self.ran = 0

    def preflight(self) -> None:
        return None

    def describe(self) -> dict[str, str]:
        return {"backend": "scripted"}

    def run(self, job: SandboxJob) -> SandboxResult:
        self.ran += 1
        return self.results.pop(0)


def _twice(box: Scripted, tmp_path: Path) -> list[Any]:
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "experiment.py").write_text("print(1)\n")
    events: list[dict[str, Any]] = []
    jobs = JobRunner(box, tmp_path / "cache", parallel=1, run_id="r",
                     event=lambda e: events.append(e.model_dump()))

    async def go() -> list[Any]:
        return [await jobs.run(tmp_path / "job", ["python", "experiment.py"], Limits(),
                               labels={"idea": "a"}) for _ in range(2)]

    return asyncio.run(go())


def test_a_finished_job_is_cached(tmp_path: Path) -> None:
    box = Scripted(SandboxResult(verdict="error", exit_code=1), SandboxResult(verdict="ok"))
    _, second = _twice(box, tmp_path)
    assert box.ran == 1 and second.cached and second.result.exit_code == 1


def test_a_job_lost_with_its_node_is_not_cached(tmp_path: Path) -> None:
    lost = SandboxResult(verdict="error", detail="the cluster node running this job was lost")
    box = Scripted(lost, SandboxResult(verdict="ok", exit_code=0))
    _, second = _twice(box, tmp_path)
    assert box.ran == 2 and not second.cached and second.result.ok
