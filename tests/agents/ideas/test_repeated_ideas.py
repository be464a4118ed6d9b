"""A reply to the ideation prompt that repeats an idea shown in it (a template's seed idea, an
earlier round's idea) keeps its new ideas and leaves the repeat out, with an event; a reply
with nothing new is asked again. The 1.5B model, on optim_digits, answered a round with two
ideas of which one copied a seed idea's experiment: three identical replies were refused whole
and the round ended with no idea."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agents.domain import IdeasDropped, LLMInvalid
from agents.ideas.ideation import ideate
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task
from agents.workflow.roles import ideator
from tests.support import offline_context

TASK = Task.IDEATE


def _idea(name: str, title: str, experiment: str) -> dict[str, Any]:
    return {"name": name, "title": title, "experiment": experiment, "interestingness": 6,
            "feasibility": 7, "novelty": 6}


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replies: list[dict[str, Any]],
         ) -> tuple[list[str], list[Any], int]:
    asked: list[str] = []

    def propose(question: Asked) -> str:
        asked.append(question.prompt)
        return json.dumps(replies[min(len(asked), len(replies)) - 1])

    monkeypatch.setitem(offline_model.HANDLERS, TASK, propose)
    ctx: Any = offline_context(tmp_path, num_ideas=2, reflections=0)
    ideas = asyncio.run(ideate(ideator(ctx), "a topic"))
    return [i.name for i in ideas], ctx.run.events(), len(asked)


def test_a_repeat_is_left_out_and_the_new_idea_kept(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    seed = offline_context(tmp_path / "probe").template.seed_ideas[0]
    copy = _idea("schedule_study", "How schedules compare", seed.experiment)
    new = _idea("depth_sweep", "Does depth help a small MLP?",
                "Set HIDDEN_LAYERS to 1, 2 and 3 and compare val_acc with the baseline.")
    names, events, asked = _run(tmp_path, monkeypatch, [{"ideas": [copy, new]}])
    assert names == ["depth_sweep"] and asked == 1
    dropped = [e for e in events if isinstance(e, IdeasDropped)]
    assert len(dropped) == 1 and dropped[0].dropped[0].startswith("schedule_study: its experiment")


def test_a_reply_with_nothing_new_is_asked_again(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seed = offline_context(tmp_path / "probe").template.seed_ideas[0]
    copy = _idea(seed.name, seed.title, seed.experiment)
    new = _idea("depth_sweep", "Does depth help a small MLP?",
                "Set HIDDEN_LAYERS to 1, 2 and 3 and compare val_acc with the baseline.")
    names, events, asked = _run(tmp_path, monkeypatch, [{"ideas": [copy]}, {"ideas": [new]}])
    assert names == ["depth_sweep"] and asked == 2
    refused = [e for e in events if isinstance(e, LLMInvalid)]
    assert len(refused) == 1 and "every idea repeats one shown in the prompt" in refused[0].errors
