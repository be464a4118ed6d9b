"""A fresh run starts its baseline's jobs at once, while its checkpointer opens and LangGraph and
the workflow are still being imported (about a second of CPU on a thread); the graph's baseline node then takes that
baseline. When the run stops before the graph starts, the early baseline is cancelled and
awaited: one error line, no task left behind."""

from __future__ import annotations

import importlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.errors import ConfigError
from agents.workflow import runner
from sandbox.local import LocalSandbox
from tests.support import only_run

#: How long the patched workflow import waits for the baseline's first job before giving up.
WAIT_S = 30.0


def _args(runs: Path, *extra: str) -> list[str]:
    return ["run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
            "--runs-dir", str(runs), "--num-ideas", "1", "--max-runs", "1", "--seeds", "2",
            "--reviewers", "1", "--include-not-novel", *extra]


@pytest.fixture
def first_job(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set when the sandbox is first asked to run a job."""
    started = threading.Event()
    real_run = LocalSandbox.run

    def run(self: LocalSandbox, job: Any, **kwargs: Any) -> Any:
        started.set()
        return real_run(self, job, **kwargs)

    monkeypatch.setattr(LocalSandbox, "run", run)
    return started


@pytest.mark.parametrize(("module", "step"), [
    ("agents.workflow.runner", "load_workflow"),  # LangGraph and the graph (about a second)
    # the run's own SQLite file cannot be unreachable: its serializer's imports overlap the jobs
    ("agents.workflow.checkpointer", "checkpoint_serializer"),
])
def test_the_baselines_jobs_run_before_the_step_is_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_job: threading.Event,
        module: str, step: str) -> None:
    seen: list[bool] = []
    owner = importlib.import_module(module)
    real = getattr(owner, step)

    def after_a_job() -> Any:
        # the step waits for the baseline: it must be under way without it
        seen.append(first_job.wait(WAIT_S))
        return real()

    monkeypatch.setattr(owner, step, after_a_job)
    done = CliRunner().invoke(app, _args(tmp_path / "runs"))
    assert done.exit_code in (0, 4), done.output
    assert seen == [True], f"the baseline waited for {step}"
    run = only_run(tmp_path / "runs")
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    starts = [e for e in events if e["type"] == "node_start" and e["node"] == "baseline"]
    assert len(starts) == 1, "the baseline started once"
    ends = [e for e in events if e["type"] == "node_end" and e["node"] == "baseline"]
    assert len(ends) == 1 and ends[0]["ts"] >= starts[0]["ts"]
    jobs = [e for e in events if e["type"] == "sandbox_run" and e.get("idea") == "baseline"]
    assert len(jobs) == 2, jobs
    baseline = json.loads((run / "baseline" / "run_0" / "run.json").read_text())
    assert baseline["verdict"] == "ok" and baseline["primary"] is not None
    assert baseline["seeds"] == [0, 1]


def test_a_run_that_stops_before_the_graph_cancels_its_early_baseline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_job: threading.Event,
        caplog: pytest.LogCaptureFixture) -> None:
    def load_fails() -> Any:
        first_job.wait(WAIT_S)
        raise ConfigError("the workflow could not be loaded")

    monkeypatch.setattr(runner, "load_workflow", load_fails)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        done = CliRunner().invoke(app, _args(tmp_path / "runs"))
    assert done.exit_code == 2, done.output
    errors = [line for line in done.output.splitlines() if line.startswith("error:")]
    assert errors == ["error: the workflow could not be loaded"], done.output
    assert "Traceback" not in done.output
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()
                or "destroyed but it is pending" in r.getMessage()], caplog.text
    run = only_run(tmp_path / "runs")
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "failed"
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert not [e for e in events if e["type"] == "node_end"], "the graph never ran"
