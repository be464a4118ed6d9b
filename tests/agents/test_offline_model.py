"""The offline model reads its prompt: ideas come from the template's knobs, edits change them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agents.errors import StructuredOutputError
from agents.llm import offline_model
from agents.llm.client import LLMClient, ModelSettings
from agents.llm.offline_research import edit_code, ideate, knobs
from agents.llm.prompt_blocks import block
from agents.models import CodeChangeReply, IdeasReply
from agents.templates import templates_dir

CODE = (templates_dir() / "tiny_mlp" / "experiment.py").read_text()


def _prompt(task: str, **blocks: str) -> str:
    parts = [block(k, v, **({"path": "experiment.py"} if k == "code" else {}))
             for k, v in blocks.items()]
    return f"# Task: {task}\n" + "\n".join(parts)


def test_knobs_are_read_from_the_code() -> None:
    names = {k.name for k in knobs(CODE)}
    assert {"LEARNING_RATE", "MOMENTUM", "HIDDEN_UNITS", "ACTIVATION"} <= names
    assert "SEEDS" not in names and "DATASETS" not in names


def test_ideas_follow_the_topic() -> None:
    reply = IdeasReply.model_validate(ideate(_prompt(
        "ideate", topic="momentum in small networks", num_ideas="2", primary_metric="val_accuracy",
        code=CODE)))
    assert len(reply.ideas) == 2
    assert reply.ideas[0].name == "momentum_study" and "MOMENTUM" in reply.ideas[0].experiment
    other = IdeasReply.model_validate(ideate(_prompt(
        "ideate", topic="hidden units width", num_ideas="1", code=CODE)))
    assert other.ideas[0].name == "hidden_units_study"


def test_edit_follows_the_plan_run_by_run() -> None:
    idea = {"name": "m", "title": "t", "experiment": "Change MOMENTUM from 0.0 to 0.5, then to 0.9."}
    first = CodeChangeReply.model_validate(edit_code(_prompt("edit_code", idea=idea, run_index="1", code=CODE)))
    second = CodeChangeReply.model_validate(edit_code(_prompt("edit_code", idea=idea, run_index="2", code=CODE)))
    third = CodeChangeReply.model_validate(edit_code(_prompt("edit_code", idea=idea, run_index="3", code=CODE)))
    assert first.edits[0].search.startswith("MOMENTUM = 0.0  # heavy-ball")
    assert first.edits[0].replace.startswith("MOMENTUM = 0.5  # heavy-ball")
    assert second.edits[0].replace.startswith("MOMENTUM = 0.9  # heavy-ball")
    assert third.done and not third.edits


def _client() -> LLMClient:
    return LLMClient({}, default=ModelSettings(model="mock/aisci-offline"), repair_attempts=2)


def test_invalid_answers_are_repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(['{"ideas": "not a list"}', "no json at all",
                    '{"ideas": [{"name": "a", "title": "T", "experiment": "E", '
                    '"interestingness": 5, "feasibility": 5, "novelty": 5}]}'])
    monkeypatch.setitem(offline_model.HANDLERS, "ideate", lambda _p: next(answers))
    events: list[dict[str, object]] = []
    client = _client()
    client.on_event = events.append
    reply = asyncio.run(client.structured("ideation", "ideate",
                                          [{"role": "user", "content": "# Task: ideate"}], IdeasReply))
    assert reply.ideas[0].name == "a"
    assert [e["type"] for e in events].count("llm_invalid") == 2


def test_answers_that_never_validate_stop_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(offline_model.HANDLERS, "ideate", lambda _p: '{"ideas": []}')
    with pytest.raises(StructuredOutputError, match="no valid IdeasReply in 3 tries"):
        asyncio.run(_client().structured("ideation", "ideate",
                                         [{"role": "user", "content": "# Task: ideate"}], IdeasReply))


def test_unknown_prompts_get_a_plain_answer(tmp_path: Path) -> None:
    assert "no '# Task:' line" in offline_model.answer([{"role": "user", "content": "hello"}])


def test_edits_match_whole_knob_names() -> None:
    code = "SGD_LR = 0.1  # lr\nSF_SGD_LR = 1.0  # lr\nparser.add_argument('--out_dir')\n"
    idea = {"name": "sf", "title": "t", "experiment": "Change SF_SGD_LR from 1.0 to 3.0."}
    reply = CodeChangeReply.model_validate(edit_code(_prompt("edit_code", idea=idea, run_index="1", code=code)))
    assert reply.edits[0].search == "SF_SGD_LR = 1.0  # lr"
    assert reply.edits[0].replace == "SF_SGD_LR = 3.0  # lr"


def test_a_failed_attempt_moves_the_value_back_toward_the_baseline() -> None:
    idea = {"name": "lr", "title": "t", "experiment": "Change LEARNING_RATE from 0.05 to 5.0."}
    failed = [{"run": 1, "attempt": 1, "verdict": "error", "feedback": "diverged"}]
    first = edit_code(_prompt("edit_code", idea=idea, run_index="1", code=CODE))
    retry = edit_code(_prompt("edit_code", idea=idea, run_index="1", history=failed, code=CODE))
    assert first["edits"][0]["replace"].startswith("LEARNING_RATE = 5.0  #")
    assert retry["edits"][0]["replace"].startswith("LEARNING_RATE = 0.5  #")  # halfway, log scale
    assert "retry 1" in retry["description"]
