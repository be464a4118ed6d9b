"""How an idea's reported result was chosen: the plan fixed before the data, every variant
tried (on validation), the one chosen, and its single evaluation on held-out test data."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agents.domain.experiments import ExperimentRun, IdeaOutcome

TestRole = Literal["baseline", "chosen", "ablation", "replication"]
PlanVerdict = Literal["confirmed", "not confirmed", "not tested"]


class Plan(BaseModel):
    """What the experiment will test and how, written before its first run."""

    idea: str
    hypothesis: str
    primary_metric: str  # the metric the variants are chosen by (validation)
    test_metric: str | None  # the same metric on held-out test data (None: no test split)
    direction: Literal["lower", "higher"]
    groups: str  # "*": the mean over the groups, else one group
    seeds: list[int]
    test_seeds: list[int] = Field(default_factory=list)  # fresh seeds of the test jobs
    search: str  # "linear" or "tree"
    max_variants: int
    selection_rule: str
    confirmatory: list[str]  # the planned comparisons
    decision_rule: str
    alpha: float


class PlanRecord(BaseModel):
    """The plan as read back at the end: its hash then and now, and what the data said."""

    plan: Plan
    sha256: str
    intact: bool  # the file still has the hash recorded when it was fixed
    fixed_at: str = ""
    verdict: PlanVerdict = "not tested"
    why: str = ""


class Tried(BaseModel):
    """One variant the search made (every one, whether it ran, won or was dropped)."""

    node: int
    parent: int | None = None
    kind: str = "run"
    description: str
    verdict: str
    validation: float | None = None  # the primary metric, mean over groups, on validation
    significant_better: int = 0  # groups where it beat the baseline after the correction
    significant_worse: int = 0
    role: Literal["chosen", "ablation", "replication", "exploratory"] = "exploratory"


class TestResult(BaseModel):
    """One variant run once on the held-out test data (a separate sandbox job per seed)."""

    node: int
    role: TestRole
    run: ExperimentRun  # index = the node; final_info and stats on the test data


class Selection(BaseModel):
    metric: str
    test_metric: str | None = None
    lower_is_better: bool = False
    baseline: float | None = None  # the baseline's primary metric on validation
    tried: list[Tried] = Field(default_factory=list)
    chosen: int | None = None
    family: int = 0  # comparisons the Holm correction counts (every variant tried x groups)
    test: list[TestResult] = Field(default_factory=list)
    grader: str = ""  # what the template protects, in one line; "" when it declares none
    warnings: list[str] = Field(default_factory=list)
    plan: PlanRecord | None = None

    @property
    def n_tried(self) -> int:
        """Variants made beyond the baseline (failed ones too)."""
        return len(self.tried)

    @property
    def n_ran(self) -> int:
        return sum(1 for t in self.tried if t.verdict == "ok")

    @property
    def rule(self) -> str:
        return (f"best of {self.n_ran} variants chosen on validation "
                f"({self.n_tried} tried, {self.n_tried - self.n_ran} failed)")


IdeaOutcome.model_rebuild(_types_namespace={"Selection": Selection})
