"""Experiment runs of an idea and what the experiment stage made of them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from agents.domain.ideas import Idea
from agents.domain.results import FinalInfo, RunStats
from sandbox import Verdict

IdeaStatus = Literal["done", "failed"]
NodeKind = Literal["baseline", "draft", "debug", "improve", "ablation", "replication"]


class ExperimentRun(BaseModel):
    """One variant of an idea's code, run in the sandbox once per seed (run_0 is the baseline)."""

    index: int
    description: str
    verdict: Verdict
    attempts: int = 1
    final_info: FinalInfo | None = None  # the mean over seeds, per group and metric
    stats: RunStats | None = None
    seeds: list[int] = Field(default_factory=list)
    primary: float | None = None
    duration_s: float = 0.0
    diff: str = ""
    feedback: str = ""
    image: str | None = None
    container: str | None = None
    backend: str = ""
    cached: bool = False
    #: The baseline only: what it told the run (the primary metric chosen and why, the compute
    #: the plan needs), shown before any model call.
    notes: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"


class SearchNode(BaseModel):
    """One variant of a tree search: its place in the tree and what its run gave."""

    id: int
    parent: int | None
    kind: NodeKind
    run: ExperimentRun
    reasoning: str = ""  # the model's reasoning for it, in one line
    debug_depth: int = 0  # how many fixes in a row led here
    draft: int = 0  # which draft (for kind "draft")

    @property
    def ok(self) -> bool:
        return self.run.ok


class SearchTree(BaseModel):
    nodes: list[SearchNode] = Field(default_factory=list)
    best: int | None = None
    stopped: str = ""  # why the search ended (budget of nodes, of time)

    def node(self, node_id: int) -> SearchNode:
        return next(n for n in self.nodes if n.id == node_id)

    def path_to(self, node_id: int) -> list[SearchNode]:
        """The nodes from the baseline down to ``node_id``."""
        path = []
        current: int | None = node_id
        while current is not None:
            node = self.node(current)
            path.append(node)
            current = node.parent
        return path[::-1]


class IdeaOutcome(BaseModel):
    """Everything the experiment stage produced for one idea."""

    idea: Idea
    status: IdeaStatus
    reason: str = ""
    primary_metric: str = ""
    lower_is_better: bool = False
    runs: list[ExperimentRun] = Field(default_factory=list)
    plots: list[str] = Field(default_factory=list)
    plot_notes: list[str] = Field(default_factory=list)
    tree: SearchTree | None = None  # with --search tree: every variant, not only those reported
    #: every variant tried, the one chosen on validation and its held-out test (None: older runs)
    selection: Selection | None = None

    @property
    def successful_runs(self) -> list[ExperimentRun]:
        return [r for r in self.runs if r.ok and r.index > 0]

    @property
    def baseline(self) -> ExperimentRun | None:
        return next((r for r in self.runs if r.index == 0), None)


# ``selection`` holds ExperimentRun too: whichever of the two modules is imported first, the
# last one to finish resolves IdeaOutcome's field (``selection.py`` does it at its end).
try:
    from agents.domain.selection import Selection
except ImportError:  # selection.py is being imported and imported this module first
    pass
else:
    IdeaOutcome.model_rebuild(_types_namespace={"Selection": Selection})
