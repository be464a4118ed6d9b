"""Domain records: what flows through the graph and lands in the run folder (pydantic models).

The lowest layer: it imports nothing else of aisci, and everything else may import it.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["events", "experiments", "ideas", "papers", "results", "reviews", "status"],
    submod_attrs={
        "call_events": [
            "LLMAsk", "LLMCall", "LLMCallFailed", "LLMInvalid", "LLMSalvaged", "LLMTruncated",
            "StructuredDowngrade",
        ],
        "event_base": ["EventBase"],
        "events": [
            "Approval", "AwaitingApproval", "BaselineDone", "BudgetStop", "ComputePlanned", "Event",
            "FiguresChecked", "Finish", "GraderChanged", "GraderRefused", "HeldoutTest",
            "IdeaFailed", "IdeaRound", "IdeaRoundDone", "IdeasDropped", "IdeationFailed", "IdeationFallback",
            "JobStart", "LiteratureFailed", "LiteratureNote", "LiteratureSearch", "MetricChosen",
            "NodeEnd", "NodeStart", "PaperWritten", "ParallelLimited", "PlanFixed", "PlotFailed",
            "PlotLabels", "ReflectionFailed", "ReportError", "Reviewed", "RunResume", "RunStart",
            "RunsPlanned", "SandboxCleanup", "SandboxRun", "ScaffoldAttempt", "Tracked",
            "TrackerError", "TreeDone", "parse_event", "parse_events",
        ],
        "experiments": [
            "ExperimentRun", "IdeaOutcome", "IdeaStatus", "NodeKind", "SearchNode", "SearchTree",
        ],
        "ideas": ["Idea", "IdeaDraft", "NoveltyVerdict"],
        "names": ["figure_label", "slugify"],
        "papers": ["IntegrityReport", "Paper"],
        "reply": ["ReplyModel"],
        "results": [
            "Comparison", "FinalInfo", "GroupResult", "MetricStats", "ResultsError", "RunStats",
            "contract_problems", "finite",
        ],
        "reviews": ["MetaReview", "Review", "ReviewOutcome"],
        "selection": ["Plan", "PlanRecord", "Selection", "TestResult", "TestRole", "Tried"],
        "status": ["EXIT_CODES", "ExitCode", "Failure", "RunStatus"],
    },
)

if TYPE_CHECKING:
    from agents.domain import events as events
    from agents.domain import experiments as experiments
    from agents.domain import ideas as ideas
    from agents.domain import papers as papers
    from agents.domain import results as results
    from agents.domain import reviews as reviews
    from agents.domain import status as status
    from agents.domain.call_events import LLMAsk as LLMAsk
    from agents.domain.call_events import LLMCall as LLMCall
    from agents.domain.call_events import LLMCallFailed as LLMCallFailed
    from agents.domain.call_events import LLMInvalid as LLMInvalid
    from agents.domain.call_events import LLMSalvaged as LLMSalvaged
    from agents.domain.call_events import LLMTruncated as LLMTruncated
    from agents.domain.call_events import StructuredDowngrade as StructuredDowngrade
    from agents.domain.event_base import EventBase as EventBase
    from agents.domain.events import Approval as Approval
    from agents.domain.events import AwaitingApproval as AwaitingApproval
    from agents.domain.events import BaselineDone as BaselineDone
    from agents.domain.events import BudgetStop as BudgetStop
    from agents.domain.events import ComputePlanned as ComputePlanned
    from agents.domain.events import Event as Event
    from agents.domain.events import FiguresChecked as FiguresChecked
    from agents.domain.events import Finish as Finish
    from agents.domain.events import GraderChanged as GraderChanged
    from agents.domain.events import GraderRefused as GraderRefused
    from agents.domain.events import HeldoutTest as HeldoutTest
    from agents.domain.events import IdeaFailed as IdeaFailed
    from agents.domain.events import IdeaRound as IdeaRound
    from agents.domain.events import IdeaRoundDone as IdeaRoundDone
    from agents.domain.events import IdeasDropped as IdeasDropped
    from agents.domain.events import IdeationFailed as IdeationFailed
    from agents.domain.events import IdeationFallback as IdeationFallback
    from agents.domain.events import JobStart as JobStart
    from agents.domain.events import LiteratureFailed as LiteratureFailed
    from agents.domain.events import LiteratureNote as LiteratureNote
    from agents.domain.events import LiteratureSearch as LiteratureSearch
    from agents.domain.events import MetricChosen as MetricChosen
    from agents.domain.events import NodeEnd as NodeEnd
    from agents.domain.events import NodeStart as NodeStart
    from agents.domain.events import PaperWritten as PaperWritten
    from agents.domain.events import ParallelLimited as ParallelLimited
    from agents.domain.events import PlanFixed as PlanFixed
    from agents.domain.events import PlotFailed as PlotFailed
    from agents.domain.events import PlotLabels as PlotLabels
    from agents.domain.events import ReflectionFailed as ReflectionFailed
    from agents.domain.events import ReportError as ReportError
    from agents.domain.events import Reviewed as Reviewed
    from agents.domain.events import RunResume as RunResume
    from agents.domain.events import RunsPlanned as RunsPlanned
    from agents.domain.events import RunStart as RunStart
    from agents.domain.events import SandboxCleanup as SandboxCleanup
    from agents.domain.events import SandboxRun as SandboxRun
    from agents.domain.events import ScaffoldAttempt as ScaffoldAttempt
    from agents.domain.events import Tracked as Tracked
    from agents.domain.events import TrackerError as TrackerError
    from agents.domain.events import TreeDone as TreeDone
    from agents.domain.events import parse_event as parse_event
    from agents.domain.events import parse_events as parse_events
    from agents.domain.experiments import (
        ExperimentRun as ExperimentRun,
    )
    from agents.domain.experiments import (
        IdeaOutcome as IdeaOutcome,
    )
    from agents.domain.experiments import (
        IdeaStatus as IdeaStatus,
    )
    from agents.domain.experiments import (
        NodeKind as NodeKind,
    )
    from agents.domain.experiments import (
        SearchNode as SearchNode,
    )
    from agents.domain.experiments import (
        SearchTree as SearchTree,
    )
    from agents.domain.ideas import (
        Idea as Idea,
    )
    from agents.domain.ideas import (
        IdeaDraft as IdeaDraft,
    )
    from agents.domain.ideas import (
        NoveltyVerdict as NoveltyVerdict,
    )
    from agents.domain.names import figure_label as figure_label
    from agents.domain.names import slugify as slugify
    from agents.domain.papers import IntegrityReport as IntegrityReport
    from agents.domain.papers import Paper as Paper
    from agents.domain.reply import ReplyModel as ReplyModel
    from agents.domain.results import (
        Comparison as Comparison,
    )
    from agents.domain.results import (
        FinalInfo as FinalInfo,
    )
    from agents.domain.results import (
        GroupResult as GroupResult,
    )
    from agents.domain.results import (
        MetricStats as MetricStats,
    )
    from agents.domain.results import (
        ResultsError as ResultsError,
    )
    from agents.domain.results import (
        RunStats as RunStats,
    )
    from agents.domain.results import (
        contract_problems as contract_problems,
    )
    from agents.domain.results import (
        finite as finite,
    )
    from agents.domain.reviews import (
        MetaReview as MetaReview,
    )
    from agents.domain.reviews import (
        Review as Review,
    )
    from agents.domain.reviews import (
        ReviewOutcome as ReviewOutcome,
    )
    from agents.domain.selection import (
        Plan as Plan,
    )
    from agents.domain.selection import (
        PlanRecord as PlanRecord,
    )
    from agents.domain.selection import (
        Selection as Selection,
    )
    from agents.domain.selection import (
        TestResult as TestResult,
    )
    from agents.domain.selection import (
        TestRole as TestRole,
    )
    from agents.domain.selection import (
        Tried as Tried,
    )
    from agents.domain.status import (
        EXIT_CODES as EXIT_CODES,
    )
    from agents.domain.status import (
        ExitCode as ExitCode,
    )
    from agents.domain.status import (
        Failure as Failure,
    )
    from agents.domain.status import (
        RunStatus as RunStatus,
    )
