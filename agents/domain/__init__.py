"""Domain records: what flows through the graph and lands in the run folder (pydantic models).

The lowest layer: it imports nothing else of aisci, and everything else may import it.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["experiments", "ideas", "papers", "results", "reviews", "status"],
    submod_attrs={
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
    from agents.domain import experiments as experiments
    from agents.domain import ideas as ideas
    from agents.domain import papers as papers
    from agents.domain import results as results
    from agents.domain import reviews as reviews
    from agents.domain import status as status
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
