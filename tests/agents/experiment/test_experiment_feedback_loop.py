"""The experiment agent feeds a failed run's error back to the coder, which then fixes it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agents.domain.ideas import Idea
from agents.experiment.agent import run_idea
from agents.experiment.notes import notes_markdown
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task
from agents.workflow.roles import baseline_stage, experimenter
from tests.support import offline_context

IDEA = Idea(name="lr_study", title="Learning rate", experiment="Change LEARNING_RATE to 0.2.",
            interestingness=5, feasibility=9, novelty=4)
EDIT_TASK = Task.EDIT_CODE


def _edit(new: str, description: str = "LEARNING_RATE = 0.2") -> str:
    return (f"Run 1: {description}\nexperiment.py\n<<<<<<< SEARCH\n"
            f"LEARNING_RATE = 0.05  # SGD step size\n=======\n{new}\n>>>>>>> REPLACE\n")


def _context(tmp_path: Path, **settings: Any) -> Any:
    ctx = offline_context(tmp_path, max_runs=1, seeds=1, **settings)
    asyncio.run(baseline_stage(ctx))
    return ctx


def _primary(path: Path) -> float:
    info = json.loads(path.read_text())
    return sum(g["means"]["val_accuracy"] for g in info.values()) / len(info)


def test_a_crash_is_fed_back_and_then_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def coder(asked: Asked) -> str:
        prompt = asked.prompt
        prompts.append(prompt)
        if "The last attempt at run 1 failed" not in prompt:  # a crash at run time
            return _edit("LEARNING_RATE = 0.2 * UNDEFINED_SCALE  # SGD step size", "typo")
        if "NameError" in prompt:
            return _edit("LEARNING_RATE = 0.2  # SGD step size")
        return "DONE"

    monkeypatch.setitem(offline_model.HANDLERS, EDIT_TASK, coder)
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(experimenter(ctx), IDEA))

    assert len(prompts) == 2, "the coder should be asked again after the crash"
    assert "NameError" in prompts[1] and "UNDEFINED_SCALE" in prompts[1]
    run_1 = outcome.runs[1]
    assert outcome.status == "done" and run_1.verdict == "ok" and run_1.attempts == 2
    idea_dir = ctx.run.idea_dir("lr_study")
    assert _primary(idea_dir / "run_1" / "final_info.json") != _primary(
        idea_dir / "run_0" / "final_info.json")
    code = (idea_dir / "code" / "experiment.py").read_text()
    assert "LEARNING_RATE = 0.2  #" in code and "UNDEFINED_SCALE" not in code
    assert "+LEARNING_RATE = 0.2  #" in (idea_dir / "code" / "run_1.diff").read_text()
    notes = notes_markdown(outcome, ctx.template, ctx.settings.sandbox.value)
    assert "| run 1 | LEARNING_RATE = 0.2 |" in notes


def test_an_idea_that_never_runs_is_recorded_as_failed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, EDIT_TASK, lambda _p: (
        "Run 1: broken\nexperiment.py\n<<<<<<< SEARCH\nEPOCHS = 40  # passes over the training set\n"
        "=======\nEPOCHS = int('forty')\n>>>>>>> REPLACE"))
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(experimenter(ctx), IDEA))
    assert outcome.status == "failed" and "no run beyond the baseline succeeded" in outcome.reason
    assert outcome.runs[1].verdict == "error" and outcome.runs[1].attempts == ctx.settings.max_attempts
    notes = notes_markdown(outcome, ctx.template, ctx.settings.sandbox.value)
    assert "Status: **failed**" in notes and "ValueError" in notes


def test_an_edit_that_breaks_the_contract_is_rejected(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, EDIT_TASK, lambda _p: (
        "Run 1: escape\n../../evil.py\n<<<<<<< SEARCH\n=======\nprint('pwned')\n>>>>>>> REPLACE"))
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(experimenter(ctx), IDEA))
    assert outcome.status == "failed"
    assert "edit rejected" in outcome.runs[1].feedback and "inside the code folder" in outcome.runs[1].feedback
    assert not list(tmp_path.rglob("evil.py"))


def test_a_search_that_misses_shows_the_coder_the_nearest_lines(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def coder(asked: Asked) -> str:
        prompt = asked.prompt
        prompts.append(prompt)
        if len(prompts) == 1:
            return ("Run 1: LR\nexperiment.py\n<<<<<<< SEARCH\n"
                    "                p -= LEARNING_RATE*velocity[k]\n=======\n"
                    "                p -= 2 * LEARNING_RATE * velocity[k]\n>>>>>>> REPLACE")
        return _edit("LEARNING_RATE = 0.2  # SGD step size")

    monkeypatch.setitem(offline_model.HANDLERS, EDIT_TASK, coder)
    outcome = asyncio.run(run_idea(experimenter(_context(tmp_path)), IDEA))
    assert outcome.status == "done"
    shown = prompts[1].split("The last attempt at run 1 failed:")[1]
    assert "p -= LEARNING_RATE * velocity[k]" in shown and "is not in the file" in shown


def test_a_misremembered_constant_is_set_by_name(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, EDIT_TASK, lambda _p: (
        "Run 1: LR\nexperiment.py\n<<<<<<< SEARCH\nLEARNING_RATE = 0.5\n=======\n"
        "LEARNING_RATE = 0.2\n>>>>>>> REPLACE"))
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(experimenter(ctx), IDEA))
    assert outcome.status == "done" and outcome.runs[1].attempts == 1
    code = (ctx.run.idea_dir("lr_study") / "code" / "experiment.py").read_text()
    assert "\nLEARNING_RATE = 0.2\n" in code and "0.05" not in code


def test_a_coder_that_never_answers_usably_fails_the_idea_not_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, EDIT_TASK, lambda _p: "I am not sure what to do.")
    outcome = asyncio.run(run_idea(experimenter(_context(tmp_path)), IDEA))
    assert outcome.status == "failed" and "no usable edit" in outcome.reason
    assert outcome.runs[1].verdict == "error" and outcome.runs[1].attempts == 3
