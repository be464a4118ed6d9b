"""Novelty fails closed: an idea that restates a paper of the library is judged not novel by
the offline judge, and is run only with --include-not-novel. When no idea of a round is novel,
a new round of ideas is proposed that is shown the rejected ideas and the papers that cover
them, up to --idea-rounds rounds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task
from tests.support import load, only_run

TITLE = "Quasi-hyperbolic momentum and Adam for deep learning"  # a paper of the offline library
BASE = ["run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "1", "--reviewers", "1"]


@pytest.fixture
def restated(monkeypatch: pytest.MonkeyPatch) -> None:
    def ideate(_prompt: str) -> dict[str, Any]:
        return {"ideas": [{"name": "qhm", "title": TITLE, "interestingness": 5, "feasibility": 8,
                           "novelty": 6, "experiment": "Change MOMENTUM from 0.0 to 0.9."}]}

    monkeypatch.setitem(offline_model.HANDLERS, Task.IDEATE, ideate)
    monkeypatch.setitem(offline_model.HANDLERS, Task.REFLECT_IDEA,
                        lambda _p: ideate(_p)["ideas"][0])


def test_a_restated_paper_is_not_novel_and_not_run(restated: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*BASE, "--runs-dir", str(tmp_path), "--idea-rounds", "1"])
    assert result.exit_code == 1, result.output  # nothing produced: a non-zero exit
    run = only_run(tmp_path)
    [idea] = load(run / "ideas.json")  # type: ignore[misc]
    verdict = idea["novelty_verdict"]
    assert verdict["novel"] is False and TITLE in verdict["closest"]
    assert "restates the paper" in verdict["reason"] and not idea["selected"]
    assert not (run / "ideas").exists(), "a not-novel idea was run"
    failures = load(run / "run.json")["failures"]  # type: ignore[index]
    assert any("none was judged novel in 1 round" in f["reason"] for f in failures)


def test_when_no_idea_is_novel_a_new_round_avoids_the_papers_that_cover_them(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prompts: list[str] = []
    original = offline_model.HANDLERS[Task.IDEATE]

    def ideate(asked: Asked) -> dict[str, Any]:  # the first round restates a library paper
        prompts.append(asked.prompt)
        if len(prompts) == 1:
            return {"ideas": [{"name": "qhm", "title": TITLE, "interestingness": 5,
                               "feasibility": 8, "novelty": 6,
                               "experiment": "Change MOMENTUM from 0.0 to 0.9."}]}
        return dict(original(asked))

    monkeypatch.setitem(offline_model.HANDLERS, Task.IDEATE, ideate)
    result = CliRunner().invoke(app, [*BASE, "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    first, second = load(run / "ideas.json")  # type: ignore[misc]
    assert (first["round"], first["selected"], second["round"], second["selected"]) == (1, False, 2, True)
    assert second["novelty_verdict"]["novel"] and second["name"] != "qhm"
    # the second round was told which idea failed and which paper covers it, and saw papers
    # that a search for the topic returned
    assert "judged not novel" in prompts[1] and TITLE in prompts[1]
    assert "A search of the literature for the topic returned" in prompts[0]
    assert load(run / "run.json")["idea_rounds"] == 2  # type: ignore[index]
    assert (run / "ideas" / second["name"] / "reviews" / "meta_review.json").is_file()
    assert "2 rounds of ideas" in (run / "report.html").read_text()


def test_include_not_novel_runs_it_anyway(restated: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*BASE, "--runs-dir", str(tmp_path), "--include-not-novel"])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    assert (run / "ideas" / "qhm" / "reviews" / "meta_review.json").is_file()
    ideas = json.loads((run / "ideas.json").read_text())
    assert ideas[0]["novelty_verdict"]["novel"] is False and ideas[0]["selected"]
