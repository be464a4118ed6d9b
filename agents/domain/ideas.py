"""Research ideas and the novelty verdicts on them."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator

from agents.domain.names import slugify
from agents.domain.reply import ReplyModel


class IdeaDraft(ReplyModel):
    """One research idea, in the fields of the widely used AI-Scientist format."""

    name: str = Field(description="short snake_case identifier")
    title: str = Field(description="a paper-style title")
    experiment: str = Field(description="concretely what to change in the code and what to run")
    interestingness: int = Field(ge=1, le=10)
    feasibility: int = Field(ge=1, le=10)
    novelty: int = Field(ge=1, le=10)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        return slugify(value)

    @property
    def score(self) -> int:
        return self.interestingness + self.feasibility + self.novelty

    @classmethod
    def example(cls) -> Self:
        return cls(name="short_snake_case_name", title="A paper-style title for the idea",
                   experiment="Which constant or function of experiment.py to change, to which "
                              "values, one run each, and what to compare.",
                   interestingness=6, feasibility=8, novelty=5)


class NoveltyVerdict(ReplyModel):
    """The novelty check's conclusion, and the literature that decided it."""

    novel: bool
    closest: list[str] = Field(default_factory=list, description="titles of the closest papers")
    reason: str
    #: Set by aisci, not by the model: why no real verdict exists (the check failed closed).
    undecided: str = ""


class Idea(IdeaDraft):
    """An idea as the run records it."""

    novelty_verdict: NoveltyVerdict | None = None
    queries: list[str] = Field(default_factory=list)
    literature: list[dict[str, object]] = Field(default_factory=list)
    literature_note: str = ""
    selected: bool = False
    #: The round of ideation that proposed it (a new round when no idea was judged novel).
    round: int = 1
