"""The experiment agent feeds a failed run's error back to the coder, which then fixes it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agents.context import RunContext
from agents.experimenter import run_idea
from agents.llm import offline_model
from agents.llm.client import LLMClient, ModelSettings
from agents.llm.prompt_blocks import first_json
from agents.models import Idea
from agents.run_folder import RunFolder
from agents.settings import RunSettings
from agents.templates import load_template
from sandbox.local import LocalSandbox

IDEA = Idea(name="lr_study", title="Learning rate", experiment="Change LEARNING_RATE to 0.2.",
            interestingness=5, feasibility=9, novelty=4)


def _context(tmp_path: Path, max_runs: int = 1) -> RunContext:
    model = ModelSettings(model="mock/aisci-offline")
    settings = RunSettings(topic="learning rates", template="tiny_mlp", model=model,
                           max_runs=max_runs, sandbox="local")
    run = RunFolder.create(tmp_path, "learning rates")

    def on_event(event: dict[str, Any]) -> None:
        event = dict(event)
        run.event(event.pop("type"), **event)

    return RunContext(run=run, settings=settings, template=load_template("tiny_mlp"),
                      llm=LLMClient({}, default=model, on_event=on_event), sandbox=LocalSandbox())


def test_a_crash_is_fed_back_and_then_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def coder(prompt: str) -> dict[str, Any]:
        prompts.append(prompt)
        history = first_json(prompt, "history", [])
        if not history:  # first try: an edit that compiles but crashes at run time
            return {"description": "LEARNING_RATE = 0.2 (typo)", "edits": [
                {"path": "experiment.py", "search": "LEARNING_RATE = 0.05",
                 "replace": "LEARNING_RATE = 0.2 * UNDEFINED_SCALE"}]}
        if "NameError" in history[-1]["feedback"] and history[-1]["verdict"] == "error":
            return {"description": "LEARNING_RATE = 0.2", "edits": [
                {"path": "experiment.py", "search": "LEARNING_RATE = 0.05",
                 "replace": "LEARNING_RATE = 0.2"}]}
        return {"done": True}

    monkeypatch.setitem(offline_model.HANDLERS, "edit_code", coder)
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(ctx, IDEA))

    assert len(prompts) == 2, "the coder should be asked again after the crash"
    assert "NameError" in prompts[1] and "UNDEFINED_SCALE" in prompts[1]
    run_1 = outcome.runs[1]
    assert outcome.status == "done" and run_1.verdict == "ok" and run_1.attempts == 2
    idea_dir = ctx.run.idea_dir("lr_study")
    base = json.loads((idea_dir / "run_0" / "final_info.json").read_text())
    assert json.loads((idea_dir / "run_1" / "final_info.json").read_text()) != base
    code = (idea_dir / "code" / "experiment.py").read_text()
    assert "LEARNING_RATE = 0.2  #" in code and "UNDEFINED_SCALE" not in code
    assert "+LEARNING_RATE = 0.2  #" in (idea_dir / "code" / "run_1.diff").read_text()
    assert "| run_1 | LEARNING_RATE = 0.2 | ok | 2 |" in (idea_dir / "notes.md").read_text()


def test_an_idea_that_never_runs_is_recorded_as_failed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, "edit_code", lambda _p: {
        "description": "broken", "edits": [{"path": "experiment.py", "search": "EPOCHS = 40",
                                            "replace": "EPOCHS = int('forty')"}]})
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(ctx, IDEA))
    assert outcome.status == "failed" and "no run beyond the baseline succeeded" in outcome.reason
    assert outcome.runs[1].verdict == "error" and outcome.runs[1].attempts == ctx.settings.max_attempts
    notes = (ctx.run.idea_dir("lr_study") / "notes.md").read_text()
    assert "Status: **failed**" in notes and "ValueError" in notes


def test_an_edit_that_breaks_the_contract_is_rejected(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, "edit_code", lambda _p: {
        "description": "escape", "edits": [{"path": "../../evil.py", "search": "",
                                            "replace": "print('pwned')"}]})
    ctx = _context(tmp_path)
    outcome = asyncio.run(run_idea(ctx, IDEA))
    assert outcome.status == "failed"
    assert "edit rejected" in outcome.runs[1].feedback and "inside the code folder" in outcome.runs[1].feedback
    assert not list(tmp_path.rglob("evil.py"))
