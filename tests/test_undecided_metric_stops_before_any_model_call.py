"""A template whose primary metric nothing decides stops after its baseline, before any model
call, with one line asking for --metric; `aisci resume RUN --metric NAME` goes on from there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from tests.support import only_run

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "argparse_template"


def test_an_undecided_metric_stops_the_run_and_resume_takes_metric(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "cache"))  # no baseline measured yet
    template = tmp_path / "t"
    shutil.copytree(FIXTURE, template)
    code = (template / "experiment.py").read_text()
    # names that say nothing about which way is better
    (template / "experiment.py").write_text(code.replace('"test_mse"', '"alpha"')
                                            .replace('"weight_norm"', '"beta"'))
    runs = tmp_path / "runs"
    args = ["run", "step sizes", "--template", str(template), "--model", "mock",
            "--sandbox", "local", "--runs-dir", str(runs), "--num-ideas", "1", "--max-runs", "1",
            "--reviewers", "1", "--novelty-rounds", "1", "--include-not-novel"]
    stopped = CliRunner().invoke(app, args)
    assert stopped.exit_code == 2, stopped.output
    errors = [line for line in stopped.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "--metric" in errors[0] and "aisci resume" in errors[0], \
        stopped.output
    assert "--sandbox local" in errors[0] and "--template" in errors[0], "the hint names the flags"
    run = only_run(runs)
    events = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    assert not [e for e in events if e["type"] == "llm_call"], "a model was called"
    choice = next(e for e in events if e["type"] == "metric_choice")
    assert choice["decided"] is False and choice["metric"] is None
    assert (run / "baseline" / "run_0" / "run.json").is_file()  # the baseline is kept

    # now the baseline's results are known: a new run stops before anything is created
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "--metric" in again.output, again.output
    assert only_run(runs) == run

    resumed = CliRunner().invoke(app, ["resume", run.name, "--runs-dir", str(runs),
                                       "--metric", "alpha", "--lower-is-better",
                                       "--sandbox", "local", "--template", str(template)])
    # (the sandbox and a template from outside templates/ are stated again: never from run.json)
    assert resumed.exit_code in (0, 4), resumed.output
    base = json.loads((run / "baseline" / "run_0" / "run.json").read_text())
    assert base["primary"] is not None
    outcome = json.loads(next(run.glob("ideas/*/outcome.json")).read_text())
    assert (outcome["primary_metric"], outcome["lower_is_better"]) == ("alpha", True)
