"""A running job's output reaches a listener while the job runs (the live terminal shows it),
from the Docker sandbox and from the host one, through the run's JobRunner."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from agents.jobs.runner import JobRunner
from sandbox.base import Limits, Sandbox
from sandbox.docker import DockerSandbox
from sandbox.local import LocalSandbox

SCRIPT = "import time\nfor i in range(4):\n    print('step', i, flush=True)\n    time.sleep(0.5)\n"


def heard_while_running(box: Sandbox, tmp_path: Path) -> list[tuple[float, dict[str, str], str]]:
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "exp.py").write_text(SCRIPT)
    heard: list[tuple[float, dict[str, str], str]] = []
    events: list[dict[str, object]] = []
    jobs = JobRunner(box, tmp_path / "cache", parallel=1, run_id="stream-test",
                     event=lambda e: events.append({**e.model_dump(), "ts": time.monotonic()}),
                     output=lambda labels, stream, text: heard.append((time.monotonic(), labels, text)))
    outcome = asyncio.run(jobs.run(tmp_path / "job", ["python", "exp.py"], Limits(timeout_s=60),
                                   labels={"idea": "i1"}, what="run_1/seed_0"))
    assert outcome.result.ok, outcome.result.feedback()
    ended = next(e["ts"] for e in events if e["type"] == "sandbox_run")
    text = "".join(t for _, _, t in heard)
    assert [line for line in text.splitlines() if line] == [f"step {i}" for i in range(4)]
    first = min(t for t, _, chunk in heard if "step 0" in chunk)
    assert isinstance(ended, float) and ended - first > 1.0, "the output came only at the end"
    assert all(labels == {"idea": "i1", "run_id": "stream-test", "what": "run_1/seed_0"}
               for _, labels, _ in heard)
    return heard


def test_host_jobs_stream_their_output(tmp_path: Path) -> None:
    heard_while_running(LocalSandbox(), tmp_path)


@pytest.mark.docker
def test_docker_jobs_stream_their_output(docker_sandbox: DockerSandbox, tmp_path: Path) -> None:
    heard_while_running(docker_sandbox, tmp_path)
