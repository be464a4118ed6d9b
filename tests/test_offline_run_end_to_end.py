"""The whole loop with the offline model: topic in, run folder with a paper and reviews out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.domain.reviews import Review
from agents.prompts.format import number
from agents.run import read_events
from tests.support import IN_CI, load, only_run, tex_installed

SECRET = "sk-test-do-not-leak-4242"


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    runs_dir = tmp_path_factory.mktemp("runs")
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENAI_API_KEY", SECRET)  # present, but must never reach a file or the sandbox
    try:
        result = CliRunner().invoke(app, [
            "run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
            "--runs-dir", str(runs_dir), "--num-ideas", "2", "--reviewers", "2"])
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    return only_run(runs_dir), result.output


def test_run_produces_ideas_with_scores(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    ideas = load(run / "ideas.json")
    assert isinstance(ideas, list) and len(ideas) >= 2
    assert len({i["name"] for i in ideas}) == len(ideas)
    for idea in ideas:
        assert 1 <= idea["interestingness"] <= 10 and idea["novelty_verdict"] is not None


def _primary(path: Path) -> float:
    info = load(path)
    assert isinstance(info, dict)
    return sum(g["means"]["val_accuracy"] for g in info.values()) / len(info)


def test_an_edit_changes_the_results(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    changed = []
    for idea_dir in (run / "ideas").iterdir():
        base, first = idea_dir / "run_0" / "final_info.json", idea_dir / "run_1" / "final_info.json"
        if base.exists() and first.exists() and _primary(base) != _primary(first):
            diff = (idea_dir / "code" / "run_1.diff").read_text()
            assert diff.startswith("--- a/experiment.py") and "\n+" in diff
            changed.append(idea_dir.name)
    assert changed, "no idea has a run_1 whose results differ from the baseline"


def _printed(path: Path) -> set[str]:
    """The run's mean values as the notes and the paper print them."""
    info = load(path)
    assert isinstance(info, dict)
    return {number(v) for g in info.values() for v in g["means"].values()}


def test_paper_quotes_the_runs_numbers_and_passes_its_checks(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    idea_dir = next(d for d in (run / "ideas").iterdir() if (d / "paper" / "template.tex").exists())
    paper = (idea_dir / "paper" / "template.tex").read_text()
    assert "HERE" not in paper.replace("THERE", ""), "a placeholder of the skeleton was left"
    # The paper reports the variant chosen on validation, on the held-out test data.
    chosen = load(idea_dir / "outcome.json")["selection"]["chosen"]  # type: ignore[index]
    tested = idea_dir / "test"
    chosen_only = _printed(tested / f"test_node_{chosen}" / "final_info.json") - _printed(
        tested / "test_node_0" / "final_info.json")
    quoted = {n for n in chosen_only if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", paper)}
    assert len(quoted) >= 3, f"paper quotes too few of the chosen run's test numbers: {quoted}"
    record = load(idea_dir / "paper" / "paper.json")
    assert isinstance(record, dict)
    assert record["integrity"]["numbers_checked"] >= 10
    assert record["integrity"]["unverified"] == [] and record["integrity"]["table_intact"]
    assert "n = 3 seeds" in paper and "95\\% confidence interval" in paper
    if tex_installed() or IN_CI:
        pdf = idea_dir / "paper" / "paper.pdf"
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")


def test_reviews_are_valid_and_numeric(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    reviews = list(run.glob("ideas/*/reviews/review_*.json"))
    assert len(reviews) >= 2
    for path in reviews:
        review = Review.model_validate(load(path))
        assert 1 <= review.overall <= 10
    meta = load(next(run.glob("ideas/*/reviews/meta_review.json")))
    assert meta["decision"] == ("accept" if meta["mean_overall"] >= 6 else "reject")


def test_costs_and_events_are_recorded(offline_run: tuple[Path, str]) -> None:
    run, output = offline_run
    cost = load(run / "cost.json")
    assert cost["total"]["prompt_tokens"] > 0 and cost["total"]["completion_tokens"] > 0
    assert set(cost["by_role"]) >= {"ideation", "novelty", "coder", "writer", "reviewer"}
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    kinds = {e["type"] for e in events}
    assert {"run_start", "llm_call", "sandbox_run", "node_end"} <= kinds
    typed = read_events(run)  # every line the run wrote is one of the declared records
    assert [e.model_dump(mode="json") for e in typed] == events
    assert load(run / "run.json")["status"] == "completed"
    assert "Done: completed" in output


def test_no_key_is_written_to_the_run_folder(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    for path in run.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"key leaked into {path}"


def test_novelty_verdicts_name_papers_from_the_offline_library(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    corpus = {json.loads(line)["title"] for line in
              Path("agents/literature/data/papers.jsonl").read_text().splitlines() if line.strip()}
    verdicts = [i["novelty_verdict"] for i in load(run / "ideas.json")]
    assert any(v["closest"] for v in verdicts)
    for verdict in verdicts:
        assert set(verdict["closest"]) <= corpus, "a closest paper is not a real library entry"


def test_bibliography_holds_only_papers_a_source_returned(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    ideas = {i["name"]: i for i in load(run / "ideas.json")}
    for bib in run.glob("ideas/*/paper/references.bib"):
        returned = {p["title"] for p in ideas[bib.parent.parent.name]["literature"]}
        titles = re.findall(r"title = \{\{(.+?)\}\}", bib.read_text())
        assert titles, "the paper cites nothing"
        assert all(t in returned for t in titles), set(titles) - returned
        cited = set(re.findall(r"\\cite[pt]\{([^}]+)\}", (bib.parent / "template.tex").read_text()))
        keys = set(re.findall(r"@\w+\{([^,]+),", bib.read_text()))
        assert cited and cited <= keys


def test_pdf_has_table_figures_and_references(offline_run: tuple[Path, str]) -> None:
    run, _ = offline_run
    if not (tex_installed() or IN_CI):
        pytest.skip("TeX not installed")
    import asyncio

    from agents.paper.tex import Tex

    pdf = next(run.glob("ideas/*/paper/paper.pdf"))
    text = asyncio.run(Tex.host().pdf_text(pdf))
    assert "Table 1" in text and "Figure 1" in text and "References" in text
