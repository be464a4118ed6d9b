"""The events of a run (``events.jsonl``): one typed record per kind.

``RunFolder.event`` writes them and ``read_events`` reads them back. The log is untrusted when
read back (a copied or shared run folder): a line that is not one of these records, or whose
numbers make no sense (a negative cost, a token count below zero, NaN), is left out, so nothing
derived from the log (the cost spent so far, the budget left, the plan's hash, the stage times)
takes it on its word. Every record is closed (``extra="forbid"``): a field that is not declared
here is an error where it is written.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, TypeAdapter, ValidationError

from agents.domain.call_events import (
    LLMAsk,
    LLMCall,
    LLMCallFailed,
    LLMInvalid,
    LLMSalvaged,
    LLMTruncated,
    StructuredDowngrade,
)
from agents.domain.event_base import Amount, Count, EventBase
from agents.domain.selection import TestRole
from agents.domain.status import Failure

# --- the run --------------------------------------------------------------------------------

class RunStart(EventBase):
    type: Literal["run_start"] = "run_start"
    sandbox: dict[str, str]
    retry_failed: bool = False


class RunResume(EventBase):
    type: Literal["run_resume"] = "run_resume"
    sandbox: dict[str, str]
    retry_failed: bool = False


class NodeStart(EventBase):
    """A stage boundary (``RunContext.begin``): the events and calls after it belong to it."""

    type: Literal["node_start"] = "node_start"
    node: str
    idea: str | None = None
    version: Count | None = None


class NodeEnd(EventBase):
    type: Literal["node_end"] = "node_end"
    node: str


class BudgetStop(EventBase):
    type: Literal["budget_stop"] = "budget_stop"
    stage: str
    spent_usd: Amount
    expected_usd: Amount
    max_cost: Amount


class AwaitingApproval(EventBase):
    type: Literal["awaiting_approval"] = "awaiting_approval"
    checkpoint: str | None


class Approval(EventBase):
    type: Literal["approval"] = "approval"
    checkpoint: Literal["ideas", "paper"]
    approved: bool


class Finish(EventBase):
    type: Literal["finish"] = "finish"
    status: str
    failures: list[Failure] = Field(default_factory=list)


class SandboxCleanup(EventBase):
    type: Literal["sandbox_cleanup"] = "sandbox_cleanup"
    stale: bool = False
    containers: list[str] = Field(default_factory=list)
    volumes: list[str] = Field(default_factory=list)


class ParallelLimited(EventBase):
    type: Literal["parallel_limited"] = "parallel_limited"
    requested: Count
    used: Count
    cpus: Count | None
    job_cpus: Amount
    job_memory_mb: Count


class ReportError(EventBase):
    type: Literal["report_error"] = "report_error"
    error: str


class Tracked(EventBase):
    type: Literal["tracked"] = "tracked"
    tracker: Literal["mlflow"]
    mlflow_run_id: str


class TrackerError(EventBase):
    type: Literal["tracker_error"] = "tracker_error"
    error: str


# --- ideas and literature -------------------------------------------------------------------

class IdeaRound(EventBase):
    type: Literal["idea_round"] = "idea_round"
    round: Annotated[int, Field(ge=1)]
    of: Count
    earlier_ideas: Count


class IdeaRoundDone(EventBase):
    type: Literal["idea_round_done"] = "idea_round_done"
    round: Annotated[int, Field(ge=1)]
    of: Count
    selected: Count
    another_round: bool


class LiteratureNote(EventBase):
    type: Literal["literature_note"] = "literature_note"
    note: str


class LiteratureSearch(EventBase):
    """One search: for ideation (``purpose``) or for one idea's novelty check (``idea``)."""

    type: Literal["literature_search"] = "literature_search"
    purpose: str | None = None
    idea: str | None = None
    query: str
    source: str
    results: Count


class LiteratureFailed(EventBase):
    type: Literal["literature_error"] = "literature_error"
    purpose: str | None = None
    idea: str | None = None
    query: str
    error: str


class IdeationFailed(EventBase):
    type: Literal["ideation_failed"] = "ideation_failed"
    round: Count
    reason: str


class IdeasDropped(EventBase):
    """Ideas of a reply that repeated one shown in the prompt, left out (the reply's new ones
    are kept; a reply with nothing new is refused and asked again)."""

    type: Literal["ideas_dropped"] = "ideas_dropped"
    round: Count
    dropped: list[str]


class IdeationFallback(EventBase):
    type: Literal["ideation_fallback"] = "ideation_fallback"
    reason: str
    using: str


class ReflectionFailed(EventBase):
    type: Literal["reflection_failed"] = "reflection_failed"
    idea: str
    reason: str


# --- experiments ----------------------------------------------------------------------------

class MetricChosen(EventBase):
    type: Literal["metric_choice"] = "metric_choice"
    metric: str | None  # None: undecided (the run asks which one)
    decided: bool
    lower_is_better: bool | None
    source: str
    reason: str


class BaselineDone(EventBase):
    type: Literal["baseline"] = "baseline"
    verdict: str
    primary: float | None
    metric: str
    seeds: Count


class ComputePlanned(EventBase):
    type: Literal["compute_plan"] = "compute_plan"
    seconds_per_job: Amount | None
    jobs: Count
    parallel: Count
    total_s: Amount | None
    limits: dict[str, str]
    warnings: list[str]


class RunsPlanned(EventBase):
    type: Literal["plan"] = "plan"
    idea: str
    runs: list[str]


class PlanFixed(EventBase):
    """The hash of an idea's preregistered plan, taken before the coder sees any result."""

    type: Literal["plan_fixed"] = "plan_fixed"
    idea: str
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class IdeaFailed(EventBase):
    type: Literal["idea_failed"] = "idea_failed"
    idea: str
    stage: str
    reason: str


class TreeDone(EventBase):
    type: Literal["tree"] = "tree"
    idea: str
    nodes: Count
    best: Count | None
    failed: Count
    stopped: str


class HeldoutTest(EventBase):
    type: Literal["heldout_test"] = "heldout_test"
    idea: str
    node: Count
    role: TestRole
    verdict: str
    metric: str
    primary: float | None
    seeds: list[int]
    cached: bool


class JobStart(EventBase):
    type: Literal["job_start"] = "job_start"
    idea: str | None = None
    run: str


class SandboxRun(EventBase):
    """A job's end: its verdict and where it ran (``cached``: taken from the job cache)."""

    type: Literal["sandbox_run"] = "sandbox_run"
    idea: str | None = None
    run: str
    verdict: str
    exit_code: int | None = None
    cached: bool = False
    backend: str | None = None
    image: str | None = None
    container: str | None = None
    duration_s: Amount | None = None
    node: str | None = None
    detail: str | None = None


class GraderChanged(EventBase):
    type: Literal["grader_changed"] = "grader_changed"
    idea: str | None = None
    run: str
    backend: str | None = None
    detail: str


class GraderRefused(EventBase):
    type: Literal["grader_refused"] = "grader_refused"
    idea: str | None = None
    run: str
    stage: Literal["edit", "results"]
    reason: str


class FiguresChecked(EventBase):
    type: Literal["figure_check"] = "figure_check"
    idea: str
    round: Count
    figures: Count
    bad: Count
    unchecked: Count


class PlotFailed(EventBase):
    type: Literal["plot_failed"] = "plot_failed"
    idea: str
    feedback: str


class PlotLabels(EventBase):
    type: Literal["plot_labels"] = "plot_labels"
    idea: str
    applied: bool
    left_out: list[str]


class ScaffoldAttempt(EventBase):
    """One attempt of the template-free start."""

    type: Literal["scaffold"] = "scaffold"
    attempt: Annotated[int, Field(ge=1)]
    ok: bool
    metric: str | None = None
    problems: list[str] = Field(default_factory=list)


# --- paper and review -----------------------------------------------------------------------

class PaperWritten(EventBase):
    type: Literal["paper"] = "paper"
    idea: str
    version: Count
    compiled: bool
    pages: Count | None
    problems: Count
    integrity_ok: bool
    removed: Count
    draft_sections: Count


class Reviewed(EventBase):
    type: Literal["review"] = "review"
    idea: str
    version: Count
    mean_overall: float
    decision: str
    failed_reviewers: Count


Event = Annotated[
    RunStart | RunResume | NodeStart | NodeEnd | BudgetStop | AwaitingApproval | Approval
    | Finish | SandboxCleanup | ParallelLimited | ReportError | Tracked | TrackerError
    | IdeaRound | IdeaRoundDone | LiteratureNote | LiteratureSearch | LiteratureFailed
    | IdeationFailed | IdeasDropped | IdeationFallback | ReflectionFailed | MetricChosen | BaselineDone
    | ComputePlanned | RunsPlanned | PlanFixed | IdeaFailed | TreeDone | HeldoutTest | JobStart
    | SandboxRun | GraderChanged | GraderRefused | FiguresChecked | PlotFailed | PlotLabels
    | ScaffoldAttempt | PaperWritten | Reviewed | LLMCall | LLMCallFailed | LLMAsk | LLMTruncated
    | LLMInvalid | LLMSalvaged | StructuredDowngrade,
    Field(discriminator="type")]


@cache
def _adapter() -> TypeAdapter[Event]:
    return TypeAdapter(Event)


def parse_event(line: str | dict[str, Any]) -> EventBase | None:
    """One line of ``events.jsonl`` as its record, or None when it is not one (a line cut by a
    crash, an unknown kind, a field of the wrong type or out of its range)."""
    try:
        data: JsonValue = json.loads(line) if isinstance(line, str) else line
        event: EventBase = _adapter().validate_python(data)
    except (ValueError, ValidationError, RecursionError):
        return None
    return event


def parse_events(text: str) -> list[EventBase]:
    """Every line of ``text`` that is an event, in order; the others are left out."""
    return [e for e in map(parse_event, text.splitlines()) if e is not None]
