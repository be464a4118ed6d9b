"""The offline model reads the prompts real models get: ideas come from the template's knobs
(wherever the template keeps them), plans and edits change them, bad answers are repaired."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agents.config.settings import ModelSettings
from agents.domain.ideas import Idea
from agents.errors import StructuredOutputError
from agents.experiment import coder
from agents.experiment.code_edits import read_coder_reply
from agents.ideas.ideation import IdeasReply, ideate_messages
from agents.llm.client import LLMClient
from agents.llm.replies import read_json
from agents.offline_model import model as offline_model
from agents.offline_model.knobs import knobs
from agents.preflight.model_check import Pong
from agents.prompts import Task
from agents.templates.template import templates_dir
from agents.workflow.roles import baseline_stage, experimenter, ideator
from tests.support import REPO, offline_context

CODE = (templates_dir() / "tiny_mlp" / "experiment.py").read_text()
ARGPARSE = REPO / "tests" / "fixtures" / "argparse_template"
IDEATE = Task.IDEATE


def test_knobs_are_read_from_constants_argparse_defaults_and_dicts() -> None:
    names = {k.name for k in knobs(CODE)}
    assert {"LEARNING_RATE", "MOMENTUM", "HIDDEN_UNITS", "ACTIVATION"} <= names
    assert "SEEDS" not in names and "DATASETS" not in names
    argparse_knobs = {k.name: k for k in knobs((ARGPARSE / "experiment.py").read_text())}
    assert set(argparse_knobs) == {"--learning_rate", "--l2", "--steps"}
    assert argparse_knobs["--l2"].with_value(0.01).endswith('default=0.01, help="ridge penalty")')
    config = knobs('CONFIG = {\n    "lr": 0.1,  # step\n    "width": 64,\n}\n')
    assert [(k.name, k.value) for k in config] == [("lr", 0.1), ("width", 64)]


def _ideas(ctx: Any, topic: str) -> IdeasReply:
    return read_json(offline_model.answer(ideate_messages(ideator(ctx), topic)), IdeasReply)


def test_ideas_follow_the_topic(tmp_path: Path) -> None:
    ctx = offline_context(tmp_path, num_ideas=2)
    reply = _ideas(ctx, "momentum in small networks")
    assert len(reply.ideas) == 2
    assert reply.ideas[0].name == "momentum_study" and "MOMENTUM" in reply.ideas[0].experiment
    other = _ideas(offline_context(tmp_path, num_ideas=1), "hidden units width")
    assert other.ideas[0].name == "hidden_units_study"


def test_an_argparse_template_gets_ideas_and_edits(tmp_path: Path) -> None:
    ctx = offline_context(tmp_path, template=str(ARGPARSE), num_ideas=1, max_runs=1, seeds=1)
    asyncio.run(baseline_stage(ctx))
    assert ctx.metric.name == "test_mse"  # no template.toml: the baseline's first metric
    idea = _ideas(ctx, "step size of gradient descent").ideas[0]
    assert "--learning_rate" in idea.experiment
    plan = offline_model.answer(coder.plan_messages(experimenter(ctx), Idea(**idea.model_dump()),
                                                    ctx.template.path))
    runs = read_json(plan, coder.RunPlan).runs
    edit = read_coder_reply(offline_model.answer(coder.edit_messages(
        experimenter(ctx), Idea(**idea.model_dump()), ctx.template.path, plan=runs, run=1, history=[],
        failure="")))
    assert 'default=0.15, help="gradient step size"' in edit.edits[0].replace


def test_a_template_without_knobs_falls_back_to_its_seed_ideas(tmp_path: Path) -> None:
    template = tmp_path / "plain"
    import shutil

    shutil.copytree(ARGPARSE, template)
    code = (template / "experiment.py").read_text()
    (template / "experiment.py").write_text(code.replace("default=0.05", "default=LR").replace(
        "default=0.001", "default=L2").replace("default=200", "default=STEPS").replace(
        "import numpy as np", "import numpy as np\nLR, L2, STEPS = 0.05, 0.001, 200"))
    ctx = offline_context(tmp_path, template=str(template), num_ideas=1)
    assert [i.name for i in _ideas(ctx, "anything").ideas] == ["step_size"]


def test_edit_follows_the_plan_run_by_run(tmp_path: Path) -> None:
    ctx = offline_context(tmp_path, max_runs=2, seeds=1)
    asyncio.run(baseline_stage(ctx))
    idea = Idea(name="m", title="t", experiment="Change MOMENTUM from 0.0 to 0.5, then to 0.9.",
                interestingness=5, feasibility=9, novelty=3)
    runs = read_json(offline_model.answer(coder.plan_messages(experimenter(ctx), idea, ctx.template.path)),
                     coder.RunPlan).runs
    assert runs == ["Run 1: set MOMENTUM to 0.5", "Run 2: set MOMENTUM to 0.9"]

    def edit(run: int, history: list[dict[str, Any]] | None = None) -> Any:
        return read_coder_reply(offline_model.answer(coder.edit_messages(
            experimenter(ctx), idea, ctx.template.path, plan=runs, run=run, history=history or [],
            failure="boom" if history else "")))

    first, second, third = edit(1), edit(2), edit(3)
    assert first.edits[0].search.startswith("MOMENTUM = 0.0  # heavy-ball")
    assert first.edits[0].replace.startswith("MOMENTUM = 0.5  # heavy-ball")
    assert second.edits[0].replace.startswith("MOMENTUM = 0.9  # heavy-ball")
    assert third.done and not third.edits


def test_a_failed_attempt_moves_the_value_back_toward_the_baseline(tmp_path: Path) -> None:
    ctx = offline_context(tmp_path, max_runs=1, seeds=1)
    asyncio.run(baseline_stage(ctx))
    idea = Idea(name="lr", title="t", experiment="Change LEARNING_RATE from 0.05 to 5.0.",
                interestingness=5, feasibility=9, novelty=3)
    plan = ["Run 1: set LEARNING_RATE to 5.0"]
    failed = [{"run": 1, "attempt": 1, "description": "x", "verdict": "error", "primary": None}]
    reply = read_coder_reply(offline_model.answer(coder.edit_messages(
        experimenter(ctx), idea, ctx.template.path, plan=plan, run=1, history=failed, failure="diverged")))
    assert reply.edits[0].replace.startswith("LEARNING_RATE = 0.5  #")  # halfway, log scale
    assert "retry 1" in reply.description


def _client() -> LLMClient:
    return LLMClient({}, default=ModelSettings(model="mock/aisci-offline"), repair_attempts=2)


def test_invalid_answers_are_repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(['{"ideas": "not a list"}', "no json at all",
                    '{"ideas": [{"name": "a", "title": "T", "experiment": "E", '
                    '"interestingness": 5, "feasibility": 5, "novelty": 5}]}'])
    monkeypatch.setitem(offline_model.HANDLERS, IDEATE, lambda _p: next(answers))
    events: list[dict[str, object]] = []
    client = _client()
    client.on_event = lambda e: events.append(e.model_dump())
    reply = asyncio.run(client.structured("ideation", "ideate", [
        {"role": "user", "content": "# Task: propose research ideas"}], IdeasReply))
    assert reply.ideas[0].name == "a"
    assert [e["type"] for e in events].count("llm_invalid") == 2


def test_answers_that_never_validate_stop_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, IDEATE, lambda _p: '{"ideas": []}')
    with pytest.raises(StructuredOutputError, match=r"no usable JSON answer \(IdeasReply\) in 3 tries"):
        asyncio.run(_client().structured("ideation", "ideate", [
            {"role": "user", "content": "# Task: propose research ideas"}], IdeasReply))


def test_unknown_prompts_get_a_plain_answer() -> None:
    assert "no task named" in offline_model.answer([{"role": "user", "content": "hello"}])
    assert "no skill for the task 'greet'" in offline_model.answer(
        [{"role": "user", "content": "# Task: propose research ideas"}], "greet")


def test_the_task_the_client_names_decides_the_answer_not_the_title() -> None:
    """The offline model answers the task it is asked, whatever the prompt's title says."""
    ideas = [{"role": "user", "content": "# Task: think of something\n\nPropose 2 new research ideas."}]
    assert "no task named" in offline_model.answer(ideas)
    assert json.loads(offline_model.answer(ideas, Task.IDEATE)) == {"ideas": []}
    client = _client()
    reply = asyncio.run(client.structured("ideation", Task.PING, ideas, Pong))
    assert reply.answer == "pong"  # a ping, though the prompt's title asks for ideas
