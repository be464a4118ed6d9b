"""A model failure in one idea ends that idea, not the run: a reply with no usable edit is a
failed try and the tries go on, the other idea reaches a reviewed paper, the summary names what
failed and why, and ``resume --retry-failed`` redoes only that."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.paper import tex as latex
from agents.prompts import Task
from tests.fake_openai_server import FakeOpenAIServer
from tests.support import load, only_run

pytest_plugins = ["tests.fake_openai_server"]


def _garbage_for_momentum_coder(messages: list[dict[str, Any]]) -> str | None:
    text = "\n".join(str(m.get("content")) for m in messages)
    if "# Task: edit the experiment code" in text and "(`momentum_study`)" in text:
        return "Honestly, I am not sure how to change this code."
    return None


def test_one_ideas_coder_failing_leaves_the_other_idea_to_finish(
        fake_openai: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latex, "tex_available", lambda: False)  # PDFs are tested elsewhere
    fake_openai.override = _garbage_for_momentum_coder
    runner = CliRunner()
    result = runner.invoke(app, [
        "run", "momentum in small networks", "--model", "openai/fake-local",
        "--api-base", fake_openai.url, "--sandbox", "local", "--runs-dir", str(tmp_path),
        "--num-ideas", "2", "--max-runs", "1", "--seeds", "1", "--reviewers", "1"])
    assert result.exit_code == 4, result.output  # finished, with a failure recorded
    run = only_run(tmp_path)
    record = load(run / "run.json")
    assert isinstance(record, dict) and record["status"] == "completed_with_failures"
    [failure] = record["failures"]
    assert failure["idea"] == "momentum_study" and failure["stage"] == "experiment"
    assert "no usable edit: the reply has no SEARCH/REPLACE block" in failure["reason"]
    assert "✗ experiment momentum_study: no run beyond the baseline succeeded" in result.output
    runs = load(run / "ideas" / "momentum_study" / "outcome.json")["runs"]  # type: ignore[index]
    assert [r["attempts"] for r in runs[1:]] == [3]  # every try was made, each one recorded
    other = run / "ideas" / "label_noise_study"
    assert (other / "reviews" / "meta_review.json").is_file()
    assert not (run / "ideas" / "momentum_study" / "paper").exists()

    fake_openai.override = lambda _m: None
    retried = runner.invoke(app, ["resume", run.name, "--runs-dir", str(tmp_path),
                                  "--retry-failed", "--model", "openai/fake-local",
                                  "--api-base", fake_openai.url, "--sandbox", "local"])
    assert retried.exit_code == 0, retried.output
    assert load(run / "run.json")["status"] == "completed"  # type: ignore[index]
    assert (run / "ideas" / "momentum_study" / "reviews" / "meta_review.json").is_file()
    events = [e for e in (run / "events.jsonl").read_text().splitlines() if '"sandbox_run"' in e]
    after = events[next(i for i, e in enumerate(events) if "momentum_study" in e and '"run_1' in e):]
    assert not any("label_noise_study" in e and '"cached": false' in e for e in after), \
        "the idea that had finished ran again"


def test_a_run_that_produces_nothing_exits_non_zero(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.offline_model import model as offline_model

    monkeypatch.setitem(offline_model.HANDLERS, Task.EDIT_CODE,
                        lambda _p: "no idea")
    result = CliRunner().invoke(app, [
        "run", "momentum", "--model", "mock", "--sandbox", "local", "--runs-dir", str(tmp_path),
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "1", "--reviewers", "1"])
    assert result.exit_code == 1, result.output
    assert load(only_run(tmp_path) / "run.json")["status"] == "failed"  # type: ignore[index]
    assert "no usable edit" in result.output


def test_a_paper_that_did_not_compile_is_a_failure_unless_there_is_no_tex() -> None:
    from agents.domain.papers import Paper
    from agents.paper.tex import NO_TEX
    from agents.workflow.branches import paper_failures

    broken = Paper(idea_name="momentum_study", version=1, status="not_compiled",
                   compile_log="./template.tex:22: LaTeX Error: Something's wrong",
                   reason="compile failed: ./template.tex:22: LaTeX Error: Something's wrong",
                   problems=["compile failed: ./template.tex:22: LaTeX Error: Something's wrong"])
    [failure] = paper_failures(broken, "write_paper")
    assert (failure.stage, failure.idea) == ("compile_paper", "momentum_study")
    assert "LaTeX Error" in failure.reason
    no_tex = broken.model_copy(update={"compile_log": f"{NO_TEX} (latexmk not found)."})
    assert paper_failures(no_tex, "write_paper") == []
    assert paper_failures(broken.model_copy(update={"status": "compiled"}), "write_paper") == []
