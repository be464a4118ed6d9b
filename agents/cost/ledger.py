"""The cost ledger, derived from the LLM-call events (one source of truth that survives crashes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, Field

from agents.domain import EventBase, LLMCall


class CostLine(BaseModel):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, call: LLMCall) -> None:
        self.calls += 1
        self.prompt_tokens += call.prompt_tokens
        self.completion_tokens += call.completion_tokens
        self.cost_usd = round(self.cost_usd + call.cost_usd, 8)


class CostLedger(BaseModel):
    total: CostLine = Field(default_factory=CostLine)
    by_stage: dict[str, CostLine] = Field(default_factory=dict)
    by_role: dict[str, CostLine] = Field(default_factory=dict)
    by_model: dict[str, CostLine] = Field(default_factory=dict)
    notional: bool = Field(default=False, description="true when the prices are the offline "
                           "model's notional ones, not money spent")

    @classmethod
    def from_events(cls, events: Iterable[EventBase]) -> CostLedger:
        """The sum of the ``llm_call`` events (read back validated: a count or a cost below
        zero was left out where the log was read, so no line lowers the total)."""
        ledger = cls()
        groups: dict[str, dict[str, CostLine]] = {
            "stage": defaultdict(CostLine), "role": defaultdict(CostLine),
            "model": defaultdict(CostLine)}
        for call in events:
            if not isinstance(call, LLMCall):
                continue
            ledger.total.add(call)
            for key, value in (("stage", call.stage or "?"), ("role", call.role),
                               ("model", call.model)):
                groups[key][value].add(call)
            if call.model.startswith("mock/"):
                ledger.notional = True
        ledger.by_stage, ledger.by_role, ledger.by_model = (
            dict(groups["stage"]), dict(groups["role"]), dict(groups["model"]))
        return ledger
