"""What every node of the graph can reach at run time (not checkpointed: rebuilt on resume)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.errors import BudgetExceeded
from agents.llm.client import LLMClient
from agents.run_folder import RunFolder
from agents.settings import RunSettings
from agents.templates import Template
from sandbox.base import Sandbox


@dataclass
class RunContext:
    run: RunFolder
    settings: RunSettings
    template: Template
    llm: LLMClient
    sandbox: Sandbox
    #: Estimated cost of one node of each stage (USD), for the budget check.
    stage_estimates: dict[str, float] = field(default_factory=dict)

    def stage(self, name: str) -> None:
        """Mark the stage that the following LLM calls and events belong to."""
        self.llm.stage = name

    def check_budget(self, stage: str) -> None:
        """At a stage boundary: stop if this stage would take the run over --max-cost."""
        budget = self.settings.max_cost
        if budget is None:
            return
        spent = self.llm.spent_usd
        expected = self.stage_estimates.get(stage, 0.0)
        if spent + expected > budget:
            self.run.event("budget_stop", stage=stage, spent_usd=round(spent, 6),
                           expected_usd=round(expected, 6), max_cost=budget)
            raise BudgetExceeded(
                f"Stopped before {stage}: ${spent:.4f} spent and about ${expected:.4f} more "
                f"needed, over the --max-cost of ${budget:g}. Everything so far is saved; "
                f"continue with: aisci resume {self.run.id} --max-cost <higher budget>")
