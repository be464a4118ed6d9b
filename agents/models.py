"""Domain objects: what flows through the graph and lands in the run folder.

Models whose names end in ``Reply`` are what an agent asks a model for (their JSON schema is
sent as the response format); the others are records the program builds.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from sandbox.base import Verdict

_NAME = re.compile(r"[^a-z0-9_]+")


def slugify(text: str, max_len: int = 40) -> str:
    """A safe folder name: lowercase letters, digits and underscores."""
    slug = _NAME.sub("_", text.lower()).strip("_")
    return (slug[:max_len].rstrip("_")) or "idea"


# ---- ideas ---------------------------------------------------------------------------------


class IdeaDraft(BaseModel):
    """One research idea, in the fields of the widely used AI-Scientist format."""

    name: str = Field(description="short snake_case identifier, e.g. 'cosine_noise_schedule'")
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


class IdeasReply(BaseModel):
    ideas: list[IdeaDraft] = Field(min_length=1)


class NoveltyVerdict(BaseModel):
    """The novelty check's conclusion, and the literature that decided it."""

    novel: bool
    closest: list[str] = Field(default_factory=list, description="titles of the closest papers")
    reason: str


class NoveltyStepReply(BaseModel):
    """One round of the novelty check: search again, or decide."""

    action: Literal["search", "decide"]
    query: str = ""
    verdict: NoveltyVerdict | None = None


class Idea(IdeaDraft):
    """An idea as the run records it."""

    novelty_verdict: NoveltyVerdict | None = None
    queries: list[str] = Field(default_factory=list)
    literature: list[dict[str, object]] = Field(default_factory=list)
    selected: bool = False


# ---- experiments ---------------------------------------------------------------------------


class CodeEdit(BaseModel):
    """A search/replace block on one file of the idea's code folder."""

    path: str = Field(description="file path relative to the code folder, e.g. 'experiment.py'")
    search: str = Field(description="exact text to find (must occur exactly once)")
    replace: str


class CodeChangeReply(BaseModel):
    """The coder's answer: the next run's plan and its edits, or that it is done."""

    done: bool = Field(default=False, description="true when no further run is needed")
    description: str = Field(default="", description="one line: what this run changes")
    edits: list[CodeEdit] = Field(default_factory=list)


class ExperimentRun(BaseModel):
    """One run of an idea's code in the sandbox (run_0 is the baseline)."""

    index: int
    description: str
    verdict: Verdict
    attempts: int = 1
    final_info: dict[str, object] | None = None
    primary: float | None = None
    duration_s: float = 0.0
    diff: str = ""
    feedback: str = ""
    image: str | None = None
    container: str | None = None
    cached: bool = False


class IdeaOutcome(BaseModel):
    """Everything the experiment stage produced for one idea."""

    idea: Idea
    status: Literal["done", "failed"]
    reason: str = ""
    runs: list[ExperimentRun] = Field(default_factory=list)
    plots: list[str] = Field(default_factory=list)

    @property
    def successful_runs(self) -> list[ExperimentRun]:
        return [r for r in self.runs if r.verdict == "ok" and r.index > 0]


# ---- paper and review ----------------------------------------------------------------------


class SectionReply(BaseModel):
    latex: str = Field(description="the LaTeX body of the section, without the \\section line")


class Paper(BaseModel):
    idea_name: str
    version: int = 1
    tex_path: str
    pdf_path: str | None = None
    pages: int | None = None
    compile_log: str = ""
    problems: list[str] = Field(default_factory=list)


class ReviewReply(BaseModel):
    """The fields of a standard ML conference review form (NeurIPS style)."""

    summary: str
    strengths: list[str]
    weaknesses: list[str]
    questions: list[str]
    limitations: list[str]
    soundness: int = Field(ge=1, le=4)
    presentation: int = Field(ge=1, le=4)
    contribution: int = Field(ge=1, le=4)
    overall: int = Field(ge=1, le=10)
    confidence: int = Field(ge=1, le=5)
    decision: Literal["accept", "reject"]


class MetaReviewReply(BaseModel):
    summary: str
    strengths: list[str]
    weaknesses: list[str]
    suggestions: list[str] = Field(description="what a revision should change")


#: The documented acceptance rule: the mean overall score of the ensemble must reach this.
ACCEPT_THRESHOLD = 6.0


class ReviewOutcome(BaseModel):
    idea_name: str
    paper_version: int
    reviews: list[ReviewReply]
    meta: MetaReviewReply
    mean_overall: float
    decision: Literal["accept", "reject"]

    @classmethod
    def decide(cls, idea_name: str, version: int, reviews: list[ReviewReply],
               meta: MetaReviewReply) -> ReviewOutcome:
        mean = round(sum(r.overall for r in reviews) / len(reviews), 2)
        return cls(idea_name=idea_name, paper_version=version, reviews=reviews, meta=meta,
                   mean_overall=mean, decision="accept" if mean >= ACCEPT_THRESHOLD else "reject")
