"""--revise 1: the writer revises from the meta-review; both papers and both reviews are kept."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from agents.cli import app
from tests.support import load, only_run


def test_revision_keeps_both_versions_and_reviews(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [
        "run", "momentum", "--model", "mock", "--sandbox", "local", "--num-ideas", "1",
        "--max-runs", "1", "--reviewers", "2", "--revise", "1", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    idea = next((only_run(tmp_path) / "ideas").iterdir())
    first, second = idea / "paper" / "template.tex", idea / "paper_v2" / "template.tex"
    assert first.exists() and second.exists()
    revised = second.read_text()
    assert revised != first.read_text() and "Limitations raised in review" in revised
    assert len(list((idea / "reviews").glob("review_*.json"))) == 2
    assert len(list((idea / "reviews_v2").glob("review_*.json"))) == 2
    assert load(idea / "reviews" / "meta_review.json")["paper_version"] == 1
    assert load(idea / "reviews_v2" / "meta_review.json")["paper_version"] == 2
