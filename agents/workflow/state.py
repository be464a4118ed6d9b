"""The graph state: a TypedDict whose values are pydantic models (checkpointed as such)."""

from __future__ import annotations

import operator
from typing import Annotated

from typing_extensions import TypedDict

from agents.domain import ExperimentRun, Failure, Idea, IdeaOutcome, Paper, ReviewOutcome, RunStatus


class ResearchState(TypedDict, total=False):
    topic: str
    from_scratch: bool  # a template-free run: the scaffold node writes its template first
    scaffolded: bool  # that node wrote it (the run's own template/ folder)
    baseline: ExperimentRun
    ideas: list[Idea]  # every round's ideas (``Idea.round``)
    idea_round: int  # the rounds of ideation so far (a new one when none was novel)
    another_round: bool  # no idea so far is novel, and --idea-rounds allows one more
    # Fan-in from the parallel per-idea branches:
    outcomes: Annotated[list[IdeaOutcome], operator.add]
    papers: Annotated[list[Paper], operator.add]
    reviews: Annotated[list[ReviewOutcome], operator.add]
    failures: Annotated[list[Failure], operator.add]
    papers_approved: bool
    declined: str  # the checkpoint a person said no at
    status: RunStatus


class IdeaTask(TypedDict):
    """The payload of one per-idea branch (experiment, plots, paper)."""

    idea: Idea


class PaperTask(TypedDict):
    """The payload of one per-paper branch (reviews and revisions)."""

    paper: Paper
    outcome: IdeaOutcome
