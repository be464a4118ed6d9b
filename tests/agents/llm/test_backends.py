"""The offline model answers in-process: the same reply, tokens and cost as through litellm's
``mock`` provider, and an offline run's calls never import litellm (seconds of CPU)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

from agents.config.settings import ModelSettings
from agents.llm.client import LLMClient
from agents.llm.runtime import OFFLINE_MODEL, litellm
from agents.offline_model import model as offline_model
from agents.prompts import Task

MESSAGES = [{"role": "system", "content": "You are a careful scientist."},
            {"role": "user", "content": "# Task: propose research ideas\n\nPropose 2 new research ideas."}]


def test_an_offline_call_is_the_litellm_mock_providers_answer_tokens_and_cost() -> None:
    events: list[dict[str, Any]] = []
    client = LLMClient({}, default=ModelSettings(model=OFFLINE_MODEL), on_event=lambda e: events.append(e.model_dump()))
    done = asyncio.run(client.complete("ideation", Task.IDEATE, MESSAGES))
    through = litellm().completion(model=OFFLINE_MODEL, messages=MESSAGES)
    assert done.text == through.choices[0].message.content
    assert (done.prompt_tokens, done.completion_tokens) == (
        through.usage.prompt_tokens, through.usage.completion_tokens)
    (call,) = [e for e in events if e["type"] == "llm_call"]
    assert call["cost_usd"] == litellm().completion_cost(completion_response=through) > 0
    assert client.spent_usd == call["cost_usd"]


def test_an_offline_call_does_not_import_litellm() -> None:
    code = (
        "import asyncio, json, sys\n"
        "from agents.config.settings import ModelSettings\n"
        "from agents.llm.client import LLMClient\n"
        f"client = LLMClient({{}}, default=ModelSettings(model={OFFLINE_MODEL!r}))\n"
        f"done = asyncio.run(client.complete('ideation', 'ideate', {MESSAGES!r}))\n"
        "print(json.dumps([done.text, 'litellm' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    text, imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert imported is False
    assert text == offline_model.answer(MESSAGES)
