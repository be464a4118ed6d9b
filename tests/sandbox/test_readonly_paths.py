"""A job's read-only paths (a template's grader and held-out data): Docker makes them
unwritable; the host backend cannot, and the job runner says so with ``grader_changed``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agents.jobs.runner import JobRunner
from sandbox.base import Limits, SandboxJob
from sandbox.docker import DockerSandbox
from sandbox.local import LocalSandbox

ATTACK = r'''
import json, os, shutil
tries = {}
def attempt(name, action):
    try:
        action()
        tries[name] = "done"
    except OSError as exc:
        tries[name] = type(exc).__name__
attempt("write", lambda: open("evaluate.py", "w").write("SCORE = 1.0\n"))
attempt("append", lambda: open("heldout/test.csv", "a").write("9,9\n"))
attempt("delete", lambda: os.remove("evaluate.py"))
attempt("rename", lambda: os.replace("experiment_copy.py", "evaluate.py"))
attempt("chmod", lambda: os.chmod("evaluate.py", 0o666))
attempt("new file in held-out folder", lambda: open("heldout/extra.csv", "w").write("1\n"))
attempt("remove held-out folder", lambda: shutil.rmtree("heldout"))
attempt("own output", lambda: open("out/result.json", "w").write("{}"))
attempt("new file beside", lambda: open("scratch.txt", "w").write("x"))
os.makedirs("out", exist_ok=True)
with open("out/tries.json", "w") as f:
    json.dump(tries, f)
'''


def _job_folder(tmp_path: Path) -> Path:
    job = tmp_path / "job"
    (job / "heldout").mkdir(parents=True)
    (job / "out").mkdir()
    (job / "evaluate.py").write_text("SCORE = 0.5\n")
    (job / "heldout" / "test.csv").write_text("1,2\n")
    (job / "experiment.py").write_text(ATTACK)
    (job / "experiment_copy.py").write_text("SCORE = 1.0\n")
    return job


@pytest.mark.docker
def test_docker_keeps_read_only_paths_unchanged_whatever_the_job_tries(
        docker_sandbox: DockerSandbox, tmp_path: Path) -> None:
    job = _job_folder(tmp_path)
    result = docker_sandbox.run(SandboxJob(
        workdir=job, command=["python", "experiment.py"], limits=Limits(timeout_s=60),
        readonly=["evaluate.py", "heldout"], labels={"run_id": "readonly-test"}))
    assert result.ok, result.feedback()
    tries = json.loads((job / "out" / "tries.json").read_text())
    refused = {"write", "append", "delete", "rename", "chmod", "new file in held-out folder",
               "remove held-out folder"}
    assert {k for k, v in tries.items() if v != "done"} == refused, tries
    assert tries["own output"] == tries["new file beside"] == "done"
    assert (job / "evaluate.py").read_text() == "SCORE = 0.5\n"
    assert (job / "heldout" / "test.csv").read_text() == "1,2\n"
    assert sorted(p.name for p in (job / "heldout").iterdir()) == ["test.csv"]


def test_the_host_backend_cannot_stop_the_job_but_the_change_is_caught(tmp_path: Path) -> None:
    job = _job_folder(tmp_path)
    events: list[dict[str, object]] = []
    runner = JobRunner(LocalSandbox(), tmp_path / "cache", parallel=1, run_id="r",
                       event=lambda e: events.append(e.model_dump()))
    attack = ATTACK.replace('attempt("write",', 'os.chmod("evaluate.py", 0o644)\nattempt("write",')
    (job / "experiment.py").write_text(attack)
    outcome = asyncio.run(runner.run(job, ["python", "experiment.py"], Limits(timeout_s=60),
                                     labels={"idea": "i"}, readonly=("evaluate.py", "heldout")))
    assert outcome.result.verdict == "grader_changed", outcome.result
    assert "evaluate.py" in outcome.result.detail
    assert events[-1]["verdict"] == "grader_changed"
    again = _job_folder(tmp_path / "again")  # the same job again: the cache keeps the verdict
    again.joinpath("experiment.py").write_text(attack)
    cached = asyncio.run(runner.run(again, ["python", "experiment.py"], Limits(timeout_s=60),
                                    labels={"idea": "i"}, readonly=("evaluate.py", "heldout")))
    assert cached.cached and cached.result.verdict == "grader_changed"
