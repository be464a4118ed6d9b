"""--approve pauses the run for a person; `aisci resume --yes/--no` answers later."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agents.cli import app
from tests.support import load, only_run

BASE = ["run", "momentum", "--model", "mock", "--sandbox", "local", "--num-ideas", "1",
        "--max-runs", "1", "--reviewers", "1"]


#: run.json is data: the unsafe local sandbox is used on a resume only when stated again.
RESUME = ["--sandbox", "local"]


def _approvals(run: Path) -> list[tuple[str, bool]]:
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    return [(e["checkpoint"], e["approved"]) for e in events if e["type"] == "approval"]


def test_rejected_ideas_run_no_experiment(tmp_path: Path) -> None:
    runner = CliRunner()
    paused = runner.invoke(app, [*BASE, "--runs-dir", str(tmp_path), "--approve", "ideas"])
    assert paused.exit_code == 0, paused.output
    assert "Waiting for your approval of the ideas" in paused.output
    run = only_run(tmp_path)
    assert load(run / "run.json")["status"] == "awaiting_approval"
    assert not (run / "ideas").exists(), "nothing may run before the approval"

    answered = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path), *RESUME, "--no"])
    assert answered.exit_code == 0, answered.output
    assert load(run / "run.json")["status"] == "declined"
    assert not (run / "ideas").exists()
    assert _approvals(run) == [("ideas", False)]
    assert not any(i["selected"] for i in load(run / "ideas.json"))


def test_approved_checkpoints_continue_to_the_end(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, [*BASE, "--runs-dir", str(tmp_path), "--approve", "ideas", "--approve", "paper"])
    run = only_run(tmp_path)
    first = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path), *RESUME, "--yes"])
    assert "Waiting for your approval of the paper" in first.output
    assert load(run / "run.json")["status"] == "awaiting_approval"
    assert list(run.glob("ideas/*/paper/template.tex")) and not list(run.glob("ideas/*/reviews"))
    again = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path), *RESUME])
    assert "Waiting for your approval of the paper" in again.output, "no answer: still waiting"
    second = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path), *RESUME, "--yes"])
    assert second.exit_code == 0, second.output
    assert load(run / "run.json")["status"] == "completed"
    assert _approvals(run) == [("ideas", True), ("paper", True)]
    assert list(run.glob("ideas/*/reviews/meta_review.json"))
