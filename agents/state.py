"""The graph state: a TypedDict whose values are pydantic models (checkpointed as such)."""

from __future__ import annotations

import operator
from typing import Annotated

from typing_extensions import TypedDict

from agents.models import Idea, IdeaOutcome, Paper, ReviewOutcome


class ResearchState(TypedDict, total=False):
    topic: str
    ideas: list[Idea]
    outcomes: Annotated[list[IdeaOutcome], operator.add]  # fan-in from parallel experiments
    plotted: list[IdeaOutcome]  # the outcomes again, with their plots
    papers: list[Paper]
    reviews: list[ReviewOutcome]
    status: str


class IdeaTask(TypedDict):
    """The payload sent to one parallel experiment branch."""

    idea: Idea
