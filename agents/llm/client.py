"""Every model call of the agents: litellm underneath, a role on top.

One retry layer per kind of fault. Transient faults (429, 5xx, timeouts, refused connections)
are retried here, ``num_retries`` times with exponential backoff and jitter, honouring
Retry-After; the retries of litellm and of the openai SDK are switched off, since stacked they
made up to 2N+1 requests. Answers that do not validate get a bounded repair: the model sees its
own answer and the validation errors. Each call becomes an event with
its role, task, tokens and cost.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from agents.errors import LLMError, StructuredOutputError
from agents.llm.secrets import redact
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


def _append_text(message: dict[str, Any], text: str) -> dict[str, Any]:
    """``message`` with ``text`` added, whether its content is a string or parts (images)."""
    content = message["content"]
    if isinstance(content, list):
        return {**message, "content": [*content, {"type": "text", "text": text}]}
    return {**message, "content": f"{content}{text}"}


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

    def accepts_images(self, role: str) -> bool:
        """Does ``role``'s model take images? (The offline model reads only the text.)"""
        model = self.settings_for(role).model
        if is_offline_model(model):
            return True
        try:
            return bool(litellm().supports_vision(model=model))
        except Exception:  # unknown to litellm: send text only
            return False

    async def structured(self, role: str, task: str, messages: list[dict[str, Any]],
                         schema: type[T]) -> T:
        """Ask ``role``'s model for an answer that validates as ``schema``."""
        settings = self.settings_for(role)
        schema_text = json.dumps(schema.model_json_schema())
        instruction = (f"\n\nAnswer with one JSON object that matches this JSON schema, and "
                       f"nothing else:\n{schema_text}")
        convo = [*messages[:-1], _append_text(messages[-1], instruction)]
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
            "num_retries": 0, "max_retries": 0, "max_tokens": settings.max_tokens,
        }
        if settings.api_base:
            kwargs["api_base"] = settings.api_base
            if settings.model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
                # Local OpenAI-compatible servers often need no key; the openai client insists.
                kwargs["api_key"] = "none"
        if settings.temperature is not None:
            kwargs["temperature"] = settings.temperature
        if schema is not None and _supports_schema(llm, settings.model):
            kwargs["response_format"] = schema
        started = time.monotonic()
        try:
            response = await _with_retries(llm, kwargs, settings.num_retries)
        except Exception as exc:  # what was retryable has been retried
            self.on_event({"type": "llm_error", "role": role, "task": task,
                           "model": settings.model, "error": type(exc).__name__})
            first_line = redact(str(exc).splitlines()[0][:200]) if str(exc) else ""
            raise LLMError(
                f"The {role} model ({settings.model}) failed: {type(exc).__name__}: "
                f"{first_line}. Check the model name, its API key and --api-base, or run "
                f"`aisci doctor`.") from exc
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


MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0


def _retryable(llm: Any) -> tuple[type[BaseException], ...]:
    return (llm.RateLimitError, llm.InternalServerError, llm.ServiceUnavailableError,
            llm.BadGatewayError, llm.APIConnectionError, llm.Timeout)


def retry_after_s(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds or ms header), if the error carries one."""
    response = getattr(exc, "response", None)
    headers = (getattr(exc, "litellm_response_headers", None) or getattr(response, "headers", None)
               or getattr(exc, "headers", None) or {})
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except (TypeError, ValueError):  # an HTTP date: fall back to our own backoff
        return None
    return None


async def _with_retries(llm: Any, kwargs: dict[str, Any], num_retries: int) -> Any:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = retry_after_s(exc) if exc else None
        if told is not None:
            return min(told, MAX_RETRY_AFTER_S)
        return min(MAX_BACKOFF_S, 0.5 * 2 ** (state.attempt_number - 1)) * random.uniform(0.75, 1)

    async for attempt in AsyncRetrying(retry=retry_if_exception_type(_retryable(llm)),
                                       stop=stop_after_attempt(num_retries + 1), wait=wait,
                                       reraise=True):
        with attempt:
            return await llm.acompletion(**kwargs)
    raise AssertionError("unreachable: tenacity either returns or re-raises")


def _supports_schema(llm: Any, model: str) -> bool:
    if is_offline_model(model):
        return True
    try:
        return bool(llm.supports_response_schema(model=model))
    except Exception:  # unknown model: the schema in the prompt and client validation do the job
        return False
