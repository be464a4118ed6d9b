"""What every node of the graph can reach at run time (not checkpointed: rebuilt on resume)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from agents.config import RunSettings
from agents.domain import BudgetStop, ExperimentRun, NodeStart
from agents.errors import AisciError, BudgetExceeded
from agents.jobs import JobRunner
from agents.llm import LLMClient, current_stage
from agents.paper import Tex
from agents.run.folder import RunFolder
from agents.templates import PrimaryMetric, Template

BASELINE_RECORD = "baseline/run_0/run.json"


@dataclass
class RunContext:
    run: RunFolder
    settings: RunSettings
    #: The run's template; None until a template-free run's ``scaffold`` node has written it
    #: (read it as ``template``).
    template_or_none: Template | None
    llm: LLMClient
    jobs: JobRunner
    tex: Tex
    #: Estimated cost of one node of each stage (USD), for the budget check.
    stage_estimates: dict[str, float] = field(default_factory=dict)
    #: ``resume --retry-failed``: steps recorded as failed are done again.
    retry_failed: bool = False
    #: A fresh run's baseline, started before the graph is built; its node awaits it.
    early_baseline: asyncio.Task[ExperimentRun] | None = field(default=None, repr=False)
    _metric: PrimaryMetric | None = field(default=None, repr=False)

    @property
    def template(self) -> Template:
        if self.template_or_none is None:
            raise AisciError("the run has no template yet: the template-free start writes it "
                             "first (the scaffold node)")
        return self.template_or_none

    @template.setter
    def template(self, value: Template) -> None:
        self.template_or_none = value

    @property
    def seeds(self) -> list[int]:
        """The seeds every variant runs with (one when the template cannot be seeded)."""
        return list(range(self.settings.seeds)) if self.template.seed.possible else [0]

    @property
    def max_runs(self) -> int:
        return self.settings.max_runs or self.template.max_runs

    def baseline(self) -> ExperimentRun | None:
        """The baseline run of this run (shared by every idea), once it has run."""
        path = self.run.path / BASELINE_RECORD
        if not path.is_file():
            return None
        return ExperimentRun.model_validate_json(path.read_text(encoding="utf-8"))

    @property
    def metric(self) -> PrimaryMetric:
        """The primary metric: overridden, declared, or chosen from the baseline's results
        (``MetricUndecided`` when nothing decides it once the baseline has run)."""
        if self._metric is None:
            base = self.baseline()
            info = base.final_info if base else None
            metric = self.template.metric(info)
            if info is None:
                return metric  # checked against the baseline's results once they exist
            self._metric = metric
        return self._metric

    def stage(self, name: str) -> None:
        """Mark the stage that the following LLM calls and events of this task belong to."""
        current_stage.set(name)

    def begin(self, stage: str, *, idea: str | None = None, version: int | None = None) -> None:
        """A stage boundary: budget check, then this task's calls and events are tagged with
        ``stage`` (a ``node_start`` event marks it)."""
        self.check_budget(stage)
        self.stage(stage)
        self.run.event(NodeStart(node=stage, idea=idea, version=version))

    def check_budget(self, stage: str) -> None:
        """At a stage boundary: stop if this stage would take the run over --max-cost."""
        budget = self.settings.max_cost
        if budget is None:
            return
        spent = self.llm.spent_usd
        expected = self.stage_estimates.get(stage, 0.0)
        if spent + expected > budget:
            self.run.event(BudgetStop(stage=stage, spent_usd=round(spent, 6),
                                      expected_usd=round(expected, 6), max_cost=budget))
            from agents.run.resume_guard import resume_flags

            flags = resume_flags(self.settings)
            raise BudgetExceeded(
                f"Stopped before {stage}: ${spent:.4f} spent and about ${expected:.4f} more "
                f"needed, over the --max-cost of ${budget:g}. Everything so far is saved; "
                f"continue with: aisci resume {self.run.id} --max-cost <higher budget>"
                f"{' ' + flags if flags else ''}")
