"""Every model call of the agents: litellm underneath, a role on top.

One retry layer per kind of fault: litellm retries rate limits, 5xx and timeouts
(``num_retries``); this module retries only answers that do not validate, by showing the model
its own answer and the validation errors (a bounded repair). Each call becomes an event with
its role, task, tokens and cost.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.errors import LLMError, StructuredOutputError
from agents.llm.setup import is_offline_model, litellm

T = TypeVar("T", bound=BaseModel)

ROLES = ("ideation", "novelty", "coder", "writer", "reviewer")

EventSink = Callable[[dict[str, Any]], None]


class ModelSettings(BaseModel):
    """How one role talks to its model."""

    model_config = ConfigDict(frozen=True)

    model: str
    api_base: str | None = None
    temperature: float | None = None
    max_tokens: int | None = Field(default=4096, gt=0)
    timeout_s: float = Field(default=300.0, gt=0)
    num_retries: int = Field(default=3, ge=0)


def extract_json(text: str) -> str:
    """The JSON object inside a reply that may wrap it in prose or a code fence."""
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    if fenced:
        return fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if start != -1 and end > start else text


class LLMClient:
    """Role-aware access to models, with structured output and cost events."""

    def __init__(self, models: dict[str, ModelSettings], *, default: ModelSettings,
                 on_event: EventSink | None = None, repair_attempts: int = 2) -> None:
        self.models = models
        self.default = default
        self.on_event = on_event or (lambda _e: None)
        self.repair_attempts = repair_attempts
        self.stage = "setup"
        self.spent_usd = 0.0

    def settings_for(self, role: str) -> ModelSettings:
        return self.models.get(role, self.default)

    async def structured(self, role: str, task: str, messages: list[dict[str, Any]],
                         schema: type[T]) -> T:
        """Ask ``role``'s model for an answer that validates as ``schema``."""
        settings = self.settings_for(role)
        schema_text = json.dumps(schema.model_json_schema())
        convo = [*messages]
        convo[-1] = {**convo[-1], "content": (
            f"{convo[-1]['content']}\n\nAnswer with one JSON object that matches this JSON "
            f"schema, and nothing else:\n{schema_text}")}
        errors = ""
        for attempt in range(1 + self.repair_attempts):
            text = await self._complete(role, task, convo, settings, schema)
            try:
                return schema.model_validate_json(extract_json(text))
            except ValidationError as exc:
                errors = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}"
                    for e in exc.errors()[:8])
            self.on_event({"type": "llm_invalid", "role": role, "task": task,
                           "attempt": attempt + 1, "errors": errors})
            convo = [*convo, {"role": "assistant", "content": text},
                     {"role": "user", "content": (
                         f"That answer does not validate: {errors}. Reply again with only the "
                         f"corrected JSON object.")}]
        raise StructuredOutputError(
            f"The {role} model ({settings.model}) gave no valid {schema.__name__} in "
            f"{1 + self.repair_attempts} tries (last errors: {errors[:300]}). Try a stronger "
            f"model for --{role}-model or a larger --max-tokens.")

    async def _complete(self, role: str, task: str, messages: list[dict[str, Any]],
                        settings: ModelSettings, schema: type[BaseModel] | None) -> str:
        llm = litellm()
        kwargs: dict[str, Any] = {
            "model": settings.model, "messages": messages, "timeout": settings.timeout_s,
            "num_retries": settings.num_retries, "max_tokens": settings.max_tokens,
        }
        if settings.api_base:
            kwargs["api_base"] = settings.api_base
        if settings.temperature is not None:
            kwargs["temperature"] = settings.temperature
        if schema is not None and _supports_schema(llm, settings.model):
            kwargs["response_format"] = schema
        started = time.monotonic()
        try:
            response = await llm.acompletion(**kwargs)
        except Exception as exc:  # litellm has already retried what is retryable
            self.on_event({"type": "llm_error", "role": role, "task": task,
                           "model": settings.model, "error": type(exc).__name__})
            raise LLMError(
                f"The {role} model ({settings.model}) failed: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200] if str(exc) else ''}. Check the model name, "
                f"its API key and --api-base, or run `aisci doctor`.") from exc
        usage = getattr(response, "usage", None)
        try:
            cost = float(llm.completion_cost(completion_response=response) or 0.0)
        except Exception:  # no price known for this model (a local server): it costs nothing
            cost = 0.0
        self.spent_usd += cost
        self.on_event({
            "type": "llm_call", "stage": self.stage, "role": role, "task": task,
            "model": settings.model,
            "prompt_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
            "completion_tokens": int(getattr(usage, "completion_tokens", 0) or 0),
            "cost_usd": cost, "duration_s": round(time.monotonic() - started, 3),
        })
        return str(response.choices[0].message.content or "")


def _supports_schema(llm: Any, model: str) -> bool:
    if is_offline_model(model):
        return True
    try:
        return bool(llm.supports_response_schema(model=model))
    except Exception:  # unknown model: the schema in the prompt and client validation do the job
        return False
