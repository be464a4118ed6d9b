"""A template that declares no grader still runs, but never quietly: the console, the report
and the paper's limitations say that nothing protected the measurement, and the paper says
its numbers are those the variant was chosen on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.paper import tex as latex
from tests.support import REPO, load, only_run

PLAIN = REPO / "tests" / "fixtures" / "argparse_template"  # AI-Scientist form, no template.toml


def test_a_run_without_a_grader_warns_in_the_console_the_report_and_the_paper(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latex, "tex_available", lambda: False)  # the source is what is checked
    result = CliRunner().invoke(app, [
        "run", "ridge regression step size", "--template", str(PLAIN), "--model", "mock",
        "--sandbox", "local", "--num-ideas", "1", "--max-runs", "1", "--seeds", "1",
        "--reviewers", "1", "--runs-dir", str(tmp_path)])
    assert result.exit_code in (0, 4), result.output
    assert "declares no grader" in " ".join(result.output.split())
    run = only_run(tmp_path)
    [idea] = [p for p in (run / "ideas").iterdir() if (p / "outcome.json").is_file()]
    outcome = load(idea / "outcome.json")
    assert isinstance(outcome, dict) and outcome["status"] == "done", outcome.get("reason")
    selection = outcome["selection"]
    assert selection["test"] == [] and selection["grader"] == ""
    assert any("declares no grader" in w for w in selection["warnings"])
    assert any("no held-out test split" in w for w in selection["warnings"])
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert not any(e["type"] == "heldout_test" for e in events)
    page = (run / "report.html").read_text()
    assert 'class="warning"' in page and "declares no grader" in page
    paper = " ".join((idea / "paper" / "template.tex").read_text().split())
    assert "Limitations of the measurement" in paper and "declares no grader" in paper
    assert "chosen and are reported on the same data" in paper
