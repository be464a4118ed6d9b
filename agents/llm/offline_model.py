"""The built-in offline model (``mock/...``): a litellm custom provider.

It goes through litellm's normal path, so token counts, cost, retries and structured output
are exercised exactly as with a hosted model. It is deterministic and reads what it is given:
every agent prompt starts with a ``# Task: <name>`` line and carries its data in tagged
blocks (``<code path="...">``, ``<idea>``, ``<results>``...). The answers are real work on that
data: ideas built from the template's actual knobs, code edits that change the results,
paper text quoting the run's numbers, reviews computed from the paper.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from agents.llm import offline_research, offline_writing

_TASK = re.compile(r"^# Task: (\w+)", re.MULTILINE)
_TOKEN = re.compile(r"\w+|[^\w\s]")

Handler = Callable[[str], Any]

HANDLERS: dict[str, Handler] = {
    "ideate": offline_research.ideate,
    "reflect_idea": offline_research.reflect_idea,
    "novelty_step": offline_research.novelty_step,
    "edit_code": offline_research.edit_code,
    "fix_plot": offline_research.fix_plot,
    "write_section": offline_writing.write_section,
    "refine_section": offline_writing.refine_section,
    "fix_latex": offline_writing.fix_latex,
    "review": offline_writing.review,
    "reflect_review": offline_writing.reflect_review,
    "meta_review": offline_writing.meta_review,
    "ping": lambda _prompt: {"answer": "pong"},
}


def count_tokens(text: str) -> int:
    """A deterministic token count: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def answer(messages: list[dict[str, Any]]) -> str:
    """The offline model's reply to a chat, as text (JSON for structured tasks)."""
    prompt = "\n".join(_content_text(m.get("content")) for m in messages if m.get("role") != "system")
    tasks = _TASK.findall(prompt)
    if not tasks:
        return "The offline model answers aisci's own prompts only (no '# Task:' line found)."
    task = tasks[-1]  # a repair turn repeats the original task below the failed answer
    handler = HANDLERS.get(task)
    if handler is None:
        return json.dumps({"error": f"the offline model has no skill for task {task!r}"})
    reply = handler(prompt)
    return reply if isinstance(reply, str) else json.dumps(reply, indent=1)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part (text + images): keep the text parts
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class OfflineModel(CustomLLM):
    """litellm handler for the ``mock`` provider."""

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        text = answer(messages)
        prompt_tokens = sum(count_tokens(_content_text(m.get("content"))) for m in messages)
        completion_tokens = count_tokens(text)
        model_response = kwargs.get("model_response") or ModelResponse()
        model_response.model = model
        model_response.choices = [
            Choices(index=0, finish_reason="stop", message=Message(role="assistant", content=text))
        ]
        model_response.usage = Usage(  # type: ignore[union-attr]
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        )
        return model_response

    async def acompletion(  # type: ignore[override]
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> ModelResponse:
        return self.completion(model, messages, *args, **kwargs)
