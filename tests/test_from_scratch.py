"""A template-free run: the coder writes the experiment, a failed first attempt is fixed from
its sandbox error, the generated template passes ``aisci template check``, and the run goes on
to a reviewed PDF whose numbers come from the new experiment's runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.llm.replies import ReplyError
from agents.offline_model import model as offline_model
from agents.offline_model import scaffolds
from agents.offline_model.reading import Asked
from agents.prompts import Task
from agents.scaffold.template_writer import read_scaffold
from agents.templates.check import check_template
from tests.support import load, only_run

TOPIC = "restarts in k-means clustering"


def _broken_first(asked: Asked) -> str:
    """The first attempt imports a module the sandbox does not have: a real, common mistake."""
    reply = scaffolds.write_experiment(asked)
    return reply.replace("import numpy as np\n", "import numpy as np\nimport seaborn\n", 1)


def test_from_scratch_fixes_its_experiment_and_reaches_a_reviewed_pdf(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD, _broken_first)
    result = CliRunner().invoke(app, ["run", TOPIC, "--from-scratch", "--model", "mock",
                                      "--runs-dir", str(tmp_path), "--num-ideas", "1",
                                      "--seeds", "2", "--reviewers", "1", "--include-not-novel"])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    attempts = json.loads((run / "scaffold" / "scaffold.json").read_text())
    assert [a["verdict"] for a in attempts] == ["failed", "ok"]
    assert "seaborn" in " ".join(attempts[0]["problems"])  # the sandbox's error went back
    template = run / "template"
    assert check_template(template) == []
    checked = CliRunner().invoke(app, ["template", "check", str(template)])
    assert checked.exit_code == 0, checked.output
    assert 'primary_metric = "adjusted_rand"' in (template / "template.toml").read_text()
    assert load(run / "run.json")["template"] == str(template)  # type: ignore[index]
    [idea] = [p for p in (run / "ideas").iterdir() if p.is_dir()]
    def primary(folder: Path) -> float:  # the primary metric, averaged over the groups
        info = json.loads((folder / "final_info.json").read_text())
        return sum(g["means"]["adjusted_rand"] for g in info.values()) / len(info)

    variants = sorted(p.parent for p in idea.glob("run_[1-9]/final_info.json"))
    assert variants and any(primary(v) != primary(idea / "run_0") for v in variants), \
        "the edits of the generated experiment did not change the primary metric"
    paper = json.loads((idea / "paper" / "paper.json").read_text())
    assert paper["status"] == "compiled" and (idea / "paper" / "paper.pdf").is_file()
    assert (idea / "reviews" / "meta_review.json").is_file()


def test_template_none_means_from_scratch_and_a_template_with_it_is_bad_input(
        tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", TOPIC, "--from-scratch", "--template", "grokking",
                                      "--model", "mock", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--from-scratch" in result.output
    assert not any(tmp_path.iterdir())
    result = CliRunner().invoke(app, ["run", TOPIC, "--template", "none", "--model", "mock",
                                      "--dry-run"])
    assert result.exit_code == 0, result.output


def test_the_reply_reader_says_what_is_missing() -> None:
    with pytest.raises(ReplyError, match="Metric"):
        read_scaffold("experiment.py\n```python\nprint(1)\n```")
    with pytest.raises(ReplyError, match="does not parse"):
        read_scaffold("Metric: acc (higher is better)\nexperiment.py\n```python\ndef (:\n```")
    with pytest.raises(ReplyError, match="run_one"):
        read_scaffold("Metric: acc (higher is better)\n```python\nprint('final_info')\n```")
    code = "import argparse  # --out_dir\nopen('final_info.json', 'w')\n"
    reply = read_scaffold(f"**Metric:** `val_loss` (lower is better)\n\n```python\n{code}```\n\n"
                          "plot.py\n```python\nthis is not python\n```")
    assert reply.metric == "val_loss" and reply.lower_is_better
    assert reply.plot_generated and "savefig" in reply.plot  # the generic plot stands in


def test_the_template_free_start_is_a_graph_node_a_resume_does_not_repeat(tmp_path: Path) -> None:
    """The scaffold is the graph's first node, checkpointed like the others: a run paused at
    its ideas and resumed goes on from the template it wrote, without asking the coder again."""
    runner = CliRunner()
    paused = runner.invoke(app, ["run", TOPIC, "--from-scratch", "--model", "mock", "--runs-dir",
                                 str(tmp_path), "--num-ideas", "1", "--seeds", "1",
                                 "--reviewers", "1", "--include-not-novel", "--approve", "ideas"])
    assert paused.exit_code == 0 and "Waiting for your approval of the ideas" in paused.output, \
        paused.output
    run = only_run(tmp_path)
    written = (run / "template" / "experiment.py").read_text()

    def events() -> list[dict[str, object]]:
        return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]

    ended = [e["node"] for e in events() if e["type"] == "node_end"]
    assert ended[:2] == ["scaffold", "baseline"], ended
    attempts = sum(e["type"] == "scaffold" for e in events())
    done = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path), "--yes"])
    assert done.exit_code == 0, done.output
    assert sum(e["type"] == "scaffold" for e in events()) == attempts, "the coder wrote it again"
    assert [e["node"] for e in events() if e["type"] == "node_end"].count("scaffold") == 1
    assert (run / "template" / "experiment.py").read_text() == written
    assert load(run / "run.json")["template"] == str(run / "template")  # type: ignore[index]
    assert list(run.glob("ideas/*/reviews/meta_review.json"))


def test_a_coder_that_writes_nothing_that_runs_ends_the_run_with_the_failure(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD, _broken_first)
    monkeypatch.setitem(offline_model.HANDLERS, Task.FIX_SCAFFOLD, _broken_first)
    result = CliRunner().invoke(app, ["run", TOPIC, "--from-scratch", "--model", "mock",
                                      "--runs-dir", str(tmp_path), "--max-attempts", "2"])
    assert result.exit_code == 1, result.output
    run = only_run(tmp_path)
    record = load(run / "run.json")
    assert record["status"] == "failed"  # type: ignore[index]
    [failure] = record["failures"]  # type: ignore[index]
    assert failure["stage"] == "scaffold" and "2 attempt(s)" in failure["reason"]
    assert not (run / "template").exists() and not (run / "baseline").exists()
    assert len(json.loads((run / "scaffold" / "scaffold.json").read_text())) == 2
    # --retry-failed forks from before the scaffold node: the coder, now writing code that
    # runs, gets its attempts again and the run goes on from the template it writes
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD,
                        scaffolds.write_experiment)
    retried = CliRunner().invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path),
                                       "--retry-failed", "--model", "mock"])
    assert retried.exit_code == 0, retried.output
    assert load(run / "run.json")["template"] == str(run / "template")  # type: ignore[index]
    assert list(run.glob("ideas/*/reviews/meta_review.json"))
