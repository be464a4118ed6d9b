"""--max-cost stops a run cleanly at a stage boundary; resume with a higher budget finishes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from agents.cli import app
from agents.llm.transcripts import read_calls
from tests.support import load, only_run


def open_files_under(folder: Path) -> list[str]:
    """The files under ``folder`` that this process still holds open."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            held.append(target)
    return held


def test_budget_stops_then_resume_finishes(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
            "--runs-dir", str(tmp_path), "--reviewers", "1", "--max-cost", "0.01"]
    stopped = runner.invoke(app, args)
    assert stopped.exit_code == 3, stopped.output
    assert "Stopped before" in stopped.output and "aisci resume" in stopped.output
    run = only_run(tmp_path)
    assert load(run / "run.json")["status"] == "stopped_budget"
    spent = load(run / "cost.json")["total"]["cost_usd"]
    assert 0 < spent <= 0.01, "the budget was overrun"
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    stop = next(e for e in events if e["type"] == "budget_stop")
    assert not (run / "ideas" / "momentum_study" / "paper").exists() or stop["stage"] != "write_paper"
    done_before = {e["node"] for e in events if e["type"] == "node_end"}
    kept_before = {e["call_id"] for e in events if e["type"] == "llm_call"}
    assert kept_before and kept_before <= set(read_calls(run))
    # a stopped run lets go of its checkpoints: a write still in flight when the stop came
    # would otherwise keep the database open, and locked, for the resume below
    assert not open_files_under(run), open_files_under(run)

    resumed = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path), "--max-cost", "1",
                                       "--sandbox", "local"])
    error_log = run / "error.log"
    assert resumed.exit_code == 0, resumed.output + (error_log.read_text() if error_log.exists()
                                                     else "")
    assert load(run / "run.json")["status"] == "completed"
    assert load(run / "run.json")["run_settings"]["max_cost"] == 1
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    after = events[next(i for i, e in enumerate(events) if e["type"] == "run_resume"):]
    redone = {e["node"] for e in after if e["type"] == "node_end"} & done_before
    assert redone <= {"experiment"} - done_before, f"finished stages were redone: {redone}"
    assert list(run.glob("ideas/*/reviews/meta_review.json"))
    # the transcripts survive the resume: the calls of both sessions, each linked from its event
    records = read_calls(run)
    calls_after = {e["call_id"] for e in after if e["type"] == "llm_call"}
    assert calls_after and kept_before | calls_after == set(records)


def test_dry_run_estimates_and_creates_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "momentum", "--model", "mock", "--dry-run",
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert "total" in result.output and "model calls" in result.output
    assert not (tmp_path / "runs").exists()
