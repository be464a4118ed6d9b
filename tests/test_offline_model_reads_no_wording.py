"""The offline model answers from the task the client names and what fills each prompt's
placeholders, never from a prompt file's sentences: with a marker word put between every two
words of every prompt file, an offline run makes the same ideas, runs, paper and reviews."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agents.prompts as prompts
from agents.cli import app
from agents.offline_model import reading
from agents.prompts import Task, render, source
from tests.support import only_run

MARK = "zqx"
ARGS = ["run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "1", "--reviewers", "1"]
_FORMAT = re.compile(r"^(?:```|<<<<<<<|=======|>>>>>>>|\|)")  # a reply's shape, not a sentence


def marked(text: str) -> str:
    """Every line that holds words gets the marker between every two of them."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        words = line.split(" ")
        if fenced or _FORMAT.match(line) or sum(bool(re.search(r"[A-Za-z]", w)) for w in words) < 2:
            lines.append(line)
        else:
            lines.append(f" {MARK} ".join(words))
    return "\n".join(lines) + "\n"


def mark_prompts(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, every prompt is rendered from a marked copy of the prompt files."""
    shutil.copytree(Path(prompts.__file__).parent, folder, ignore=shutil.ignore_patterns("*.py"))
    for md in folder.rglob("*.md"):
        md.write_text(marked(md.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setattr(prompts, "_ROOT", folder)
    prompts._load.cache_clear()


@pytest.fixture
def marked_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    mark_prompts(tmp_path / "prompts", monkeypatch)
    yield
    prompts._load.cache_clear()


def _run(runs: Path) -> dict[str, object]:
    result = CliRunner().invoke(app, [*ARGS, "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    run = only_run(runs)
    ideas = [{k: i[k] for k in ("name", "title", "experiment", "novelty_verdict", "selected")}
             for i in json.loads((run / "ideas.json").read_text())]
    done: dict[str, object] = {"ideas": ideas}
    for idea in (run / "ideas").iterdir():
        runs_json = json.loads((idea / "runs.json").read_text())
        done[f"{idea.name}/runs"] = [(r["index"], r["description"], r["verdict"])
                                     for r in runs_json]
        done[f"{idea.name}/paper"] = (idea / "paper" / "template.tex").read_text()
        for review in sorted((idea / "reviews").glob("review_*.json")):
            body = json.loads(review.read_text())
            done[f"{idea.name}/{review.name}"] = {k: body[k] for k in ("overall", "weaknesses")}
    return done


def test_the_marker_is_in_every_sentence_and_the_facts_are_exact(marked_prompts: None) -> None:
    messages = render(Task.NOVELTY_STEP, idea="```json\n{}\n```", searches="- a\n\n- b",
                      round="1", rounds="3", closing="")
    text = messages[-1]["content"]
    assert "judge zqx the zqx novelty" in text and "This zqx is zqx round zqx 1 zqx of" in text
    assert reading.facts(source(Task.NOVELTY_STEP), text)["round"] == "1"
    assert messages.facts["searches"] == "- a\n\n- b"  # what the offline model is handed


@pytest.mark.slow
def test_an_offline_run_is_the_same_whatever_the_prompts_say(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _run(tmp_path / "plain")
    mark_prompts(tmp_path / "prompts", monkeypatch)
    try:
        reworded = _run(tmp_path / "marked")
    finally:
        prompts._load.cache_clear()
    assert any(k.endswith("/paper") for k in plain), sorted(plain)
    assert any("review_" in k for k in plain), sorted(plain)
    for key, value in plain.items():
        assert reworded.get(key) == value, key
    assert reworded.keys() == plain.keys()
