"""The cost ledger, derived from the LLM-call events (one source of truth that survives crashes)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field


class CostLine(BaseModel):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, event: dict[str, Any]) -> None:
        try:  # events.jsonl is read back: a line that is not a call's record counts nothing
            prompt, completion = int(event.get("prompt_tokens", 0)), int(event.get("completion_tokens", 0))
            cost = float(event.get("cost_usd", 0.0))
        except (TypeError, ValueError, OverflowError):
            return
        self.calls += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.cost_usd = round(self.cost_usd + cost, 8)


class CostLedger(BaseModel):
    total: CostLine = Field(default_factory=CostLine)
    by_stage: dict[str, CostLine] = Field(default_factory=dict)
    by_role: dict[str, CostLine] = Field(default_factory=dict)
    by_model: dict[str, CostLine] = Field(default_factory=dict)
    notional: bool = Field(default=False, description="true when the prices are the offline "
                           "model's notional ones, not money spent")

    @classmethod
    def from_events(cls, events: list[dict[str, Any]]) -> CostLedger:
        ledger = cls()
        groups: dict[str, dict[str, CostLine]] = {
            "stage": defaultdict(CostLine), "role": defaultdict(CostLine),
            "model": defaultdict(CostLine)}
        for event in events:
            if event.get("type") != "llm_call":
                continue
            ledger.total.add(event)
            for key, group in groups.items():
                group[str(event.get(key, "?"))].add(event)
            if str(event.get("model", "")).startswith("mock/"):
                ledger.notional = True
        ledger.by_stage, ledger.by_role, ledger.by_model = (
            dict(groups["stage"]), dict(groups["role"]), dict(groups["model"]))
        return ledger
