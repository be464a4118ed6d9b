"""A model that copies the prompt instead of answering: its copies are refused and repaired.

The fake server here (a real HTTP server on 127.0.0.1) answers every first question as a
small model that copies does: the JSON example the prompt shows (placeholders such as
``short_snake_case_name`` and the example review of a CIFAR-10 warmup study), the section
guidance as the section, the placeholder lines of a code edit, and for the Introduction the
Abstract written before it. Each copy must be refused and repaired through the repair turn;
the repaired answer (the offline model's, over the same HTTP path) is what the run keeps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.domain.ideas import IdeaDraft
from agents.domain.reviews import Review
from agents.llm.copies import words
from agents.offline_model import reading
from agents.paper.context import section_guidance
from agents.paper.repeats import repeated
from tests.fake_openai_server import FakeOpenAIServer
from tests.support import load, only_run

TOPIC = "initial weight scale in tiny networks"
EXAMPLE = re.compile(r"(?:in this form|The form filled in for another paper).*?```json\n(.*?)\n```",
                     re.DOTALL)
WRITTEN = re.compile(r"### Abstract\n```latex\n(.*?)\n```", re.DOTALL)


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def copier(messages: list[dict[str, Any]]) -> str | None:
    """A first answer that copies the prompt; None (the offline model's answer) after a repair."""
    if len(messages) > 2:  # a repair turn: answer for real
        return None
    prompt = _text(messages[-1])
    example = EXAMPLE.search(prompt)
    if example:
        return f"```json\n{example.group(1)}\n```"
    title = reading.task(prompt)
    if title == "write the introduction section":
        abstract = WRITTEN.search(prompt)
        assert abstract, "the Introduction's prompt shows the Abstract"
        return f"```latex\n{abstract.group(1)}\n```"
    section = re.fullmatch(r"write the (.+) section", title)
    if section:
        name = next(n for n in section_guidance() if n.lower() == section.group(1))
        return f"```latex\n{section_guidance()[name]}\n```"
    if title == "edit the experiment code for the next run":
        return ("Run 1: says what this run changes\n\nexperiment.py\n<<<<<<< SEARCH\n"
                "the current lines, copied exactly\n=======\nthe new lines\n>>>>>>> REPLACE")
    return None


@pytest.fixture(scope="module")
def copied_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
    """One run against the copying server (1 idea, 1 run, 1 seed, 1 reviewer)."""
    from agents.cli import app
    from agents.paper import tex as latex

    runs = tmp_path_factory.mktemp("runs")
    patch = pytest.MonkeyPatch()
    patch.setattr(latex, "tex_available", lambda: False)  # compiling is tested elsewhere
    try:
        with FakeOpenAIServer() as server:
            server.override = copier
            result = CliRunner().invoke(app, [
                "run", TOPIC, "--model", "openai/fake-local", "--api-base", server.url,
                "--sandbox", "local", "--runs-dir", str(runs), "--num-ideas", "1",
                "--max-runs", "1", "--seeds", "1", "--reviewers", "1", "--include-not-novel"])
    finally:
        patch.undo()
    assert result.exit_code == 0, result.output
    run = only_run(runs)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    yield run, events


def _refused(events: list[dict[str, Any]], task: str) -> list[str]:
    return [e["errors"] for e in events if e["type"] == "llm_invalid" and e["task"] == task]


def _sentences(text: str) -> set[str]:
    return {" ".join(words(s)) for s in re.split(r"(?<=[.!?])\s+", text) if len(words(s)) >= 5}


def test_a_copied_example_idea_is_refused_and_replaced(
        copied_run: tuple[Path, list[dict[str, Any]]]) -> None:
    run, events = copied_run
    assert any("example" in e for e in _refused(events, "ideate")), _refused(events, "ideate")
    example = IdeaDraft.example()
    for idea in load(run / "ideas.json"):  # type: ignore[union-attr]
        assert idea["name"] != example.name and idea["title"] != example.title
        assert not _sentences(idea["experiment"]) & _sentences(example.experiment)
    # every JSON role shown an example refused its copy: novelty steps, plans, figure and
    # paper checks, the meta-review (a reflection is shown the answer it refines instead)
    for task in ("novelty_step", "plan_runs", "check_figure_code", "check_paper", "meta_review"):
        assert _refused(events, task), f"the copied example of {task} was accepted"


def test_a_copied_code_edit_placeholder_is_refused(
        copied_run: tuple[Path, list[dict[str, Any]]]) -> None:
    run, events = copied_run
    assert any("what this run changes" in e for e in _refused(events, "edit_code"))
    [idea] = (run / "ideas").iterdir()
    labels = load(idea / "labels.json")
    assert isinstance(labels, dict) and "says what this run changes" not in labels.values()


def test_sections_that_copy_the_guidance_or_the_abstract_are_rewritten(
        copied_run: tuple[Path, list[dict[str, Any]]]) -> None:
    run, events = copied_run
    refused = _refused(events, "write_section")
    assert any("instructions" in e for e in refused), refused
    assert any("repeats the Abstract" in e for e in refused), refused
    [idea] = (run / "ideas").iterdir()
    tex = (idea / "paper" / "template.tex").read_text()
    guidance = set().union(*(_sentences(g) for g in section_guidance().values()))
    assert not _sentences(tex) & guidance, "a section kept a sentence of the guidance"
    sections = dict(re.findall(r"\\section\{([^}]*)\}(.*?)(?=\\section\{|\\bibliography|\Z)",
                               tex, re.DOTALL))
    assert {"Introduction", "Abstract"} & set(sections) or "abstract" in tex
    abstract = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", tex, re.DOTALL)
    assert abstract is not None
    for name, body in sections.items():
        assert not repeated(body, {"Abstract": abstract.group(1)}), f"{name} repeats the Abstract"


def test_a_copied_example_review_is_refused(copied_run: tuple[Path, list[dict[str, Any]]]) -> None:
    run, events = copied_run
    assert any("example" in e for e in _refused(events, "review")), _refused(events, "review")
    example = Review.example()
    shown = _sentences(" ".join([example.summary, *example.strengths, *example.weaknesses,
                                 *example.questions, *example.limitations]))
    [idea] = (run / "ideas").iterdir()
    for path in (idea / "reviews").glob("review_*.json"):
        review = Review.model_validate_json(path.read_text())
        given = " ".join([review.summary, *review.strengths, *review.weaknesses,
                          *review.questions, *review.limitations])
        assert not _sentences(given) & shown, f"{path.name} keeps the example's sentences"
        assert "CIFAR" not in given
