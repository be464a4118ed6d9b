"""Find out, once, how a model's server can constrain a structured answer.

``resolve_structured`` turns ``structured = auto`` into what the server really does, by asking
it (not by guessing from litellm's model list, which knows nothing of ``openai/<any>`` on a
local server). The probe is a request that an unconstrained model answers in words ("Say
hello.") sent with a schema that allows exactly one answer, ``{"aisci_probe": "yes"}``:

1. OpenAI's ``response_format`` ``json_schema`` (OpenAI, vLLM, llama.cpp's server, Ollama via
   litellm): the reply is that object -> ``schema``.
2. ``json_object`` with a ``schema`` (llama-cpp-python's server) -> ``schema`` sent that way.
3. ``json_object`` alone: the reply is some JSON object -> ``json``.
4. Otherwise -> ``prompt``: an example in the prompt and lenient reading.

A refusal (HTTP 4xx/5xx naming the parameter) or a reply that ignores the constraint moves to
the next step. So does any other fault of a probe (a timeout, a dropped connection): a probe
never ends a run that a plain request would serve. Such faults are listed in ``notes``; the
caller (``agents.preflight.model_check``) checks with a plain request that the server still answers.
"""

from __future__ import annotations

import json
from typing import Any

from agents.config import ModelSettings, StructuredMode
from agents.errors import LLMError
from agents.llm.client import LLMClient
from agents.llm.faults import classify
from agents.llm.runtime import is_offline_model
from agents.prompts import Task

PROBE_SCHEMA: dict[str, Any] = {
    "type": "object", "properties": {"aisci_probe": {"type": "string", "enum": ["yes"]}},
    "required": ["aisci_probe"], "additionalProperties": False}
PROBE_MESSAGES = [{"role": "user", "content": "Say hello."}]
PROBE_ANSWER = {"aisci_probe": "yes"}
PROBE_TIMEOUT_S = 60.0

#: (mode, how the schema is sent, the response_format) in the order they are tried.
LADDER: tuple[tuple[StructuredMode, str, dict[str, Any]], ...] = (
    (StructuredMode.schema, "json_schema", {"type": "json_schema", "json_schema": {
        "name": "aisci_probe", "schema": PROBE_SCHEMA, "strict": True}}),
    (StructuredMode.schema, "json_object", {"type": "json_object", "schema": PROBE_SCHEMA}),
    (StructuredMode.json, "json_schema", {"type": "json_object"}),
)


def _is_refusal(exc: LLMError) -> bool:
    """The server answered but would not take the parameter (as opposed to failing): a 400 or
    422, or any error status whose message names ``response_format`` (llama-cpp-python's 500)."""
    cause = exc.__cause__
    status = getattr(cause, "status_code", None)
    if not isinstance(status, int) or status in (401, 403, 404, 429):
        return False
    return status in (400, 422) or (400 <= status < 600 and "response_format" in str(cause))


async def resolve_structured(settings: ModelSettings, client: LLMClient | None = None, *,
                             notes: list[str] | None = None) -> ModelSettings:
    """``settings`` with ``structured`` resolved (unchanged unless it is ``auto``); a probe
    that fails other than by a refusal is described in ``notes`` and moves down the ladder."""
    if settings.structured != StructuredMode.auto:
        return settings
    if is_offline_model(settings.model):
        return settings.model_copy(update={"structured": StructuredMode.schema})
    probe = settings.model_copy(update={"timeout_s": min(settings.timeout_s, PROBE_TIMEOUT_S),
                                        "num_retries": 0, "max_tokens": 32})
    client = client or LLMClient({}, default=probe)
    for mode, via, response_format in LADDER:
        try:
            done = await client.complete("doctor", Task.PROBE_STRUCTURED, PROBE_MESSAGES,
                                         settings=probe, response_format=response_format,
                                         num_retries=0, downgrade=False)
        except LLMError as exc:
            if not _is_refusal(exc) and notes is not None:
                fault = classify(exc)
                notes.append(f"the {response_format['type']} probe got no answer "
                             f"({fault.kind.replace('_', ' ')}: {fault.message})")
            continue
        try:
            value = json.loads(done.text.strip())
        except json.JSONDecodeError:
            continue
        if mode == StructuredMode.schema and value == PROBE_ANSWER:
            return settings.model_copy(update={"structured": mode, "schema_via": via})
        if mode == StructuredMode.json and isinstance(value, dict):
            return settings.model_copy(update={"structured": mode})
    return settings.model_copy(update={"structured": StructuredMode.prompt})
