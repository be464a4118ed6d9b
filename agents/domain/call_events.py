"""The events of model calls (``agents.domain.events`` has the others): one per call, one per
question however many calls it took, and what happened on the way (a cut-off reply, an invalid
one, a salvage, a server that refused the schema)."""

from __future__ import annotations

from typing import Literal

from agents.domain.event_base import Amount, Count, EventBase

# --- model calls ----------------------------------------------------------------------------

class LLMCall(EventBase):
    """One completed model call; the cost ledger is the sum of these."""

    type: Literal["llm_call"] = "llm_call"
    stage: str | None = None
    role: str
    task: str
    model: str
    prompt_tokens: Count
    completion_tokens: Count
    cost_usd: Amount
    duration_s: Amount | None = None
    finish_reason: str = ""
    constrained: bool = False
    call_id: str | None = None
    transcript: str | None = None


class LLMCallFailed(EventBase):
    """A model call that failed after its retries (``fault``: refused, dropped, timeout...)."""

    type: Literal["llm_error"] = "llm_error"
    stage: str | None = None
    role: str
    task: str
    model: str
    error: str
    fault: str
    call_id: str | None = None
    transcript: str | None = None


class LLMAsk(EventBase):
    """One question, however many calls (repairs, more room) it took."""

    type: Literal["llm_ask"] = "llm_ask"
    role: str
    task: str
    tries: Count
    repairs: Count
    ok: bool


class LLMTruncated(EventBase):
    type: Literal["llm_truncated"] = "llm_truncated"
    role: str
    task: str
    max_tokens: Count
    used: bool


class LLMInvalid(EventBase):
    type: Literal["llm_invalid"] = "llm_invalid"
    role: str
    task: str
    attempt: Count
    errors: str
    reply: str


class LLMSalvaged(EventBase):
    type: Literal["llm_salvaged"] = "llm_salvaged"
    role: str
    task: str
    problem: str


class StructuredDowngrade(EventBase):
    type: Literal["structured_downgrade"] = "structured_downgrade"
    role: str
    task: str
    model: str
    error: str
