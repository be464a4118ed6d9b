"""Reviews on the NeurIPS form, the meta-review, and the documented decision rule."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field

from agents.domain.reply import ReplyModel

#: The documented acceptance rule: the mean overall score of the ensemble must reach this.
ACCEPT_THRESHOLD = 6.0
Decision = Literal["accept", "reject"]


class Review(ReplyModel):
    """The fields of the NeurIPS review form (as AI-Scientist's reviewer fills it in)."""

    summary: str
    strengths: list[str]
    weaknesses: list[str]
    questions: list[str]
    limitations: list[str]
    originality: int = Field(ge=1, le=4)
    quality: int = Field(ge=1, le=4)
    clarity: int = Field(ge=1, le=4)
    significance: int = Field(ge=1, le=4)
    soundness: int = Field(ge=1, le=4)
    presentation: int = Field(ge=1, le=4)
    contribution: int = Field(ge=1, le=4)
    overall: int = Field(ge=1, le=10)
    confidence: int = Field(ge=1, le=5)
    ethical_concerns: bool = False
    decision: Decision

    @classmethod
    def example(cls) -> Self:
        """A complete review of another paper (a learning-rate warmup study on CIFAR-10), as a
        model. Every sentence is about that study, so a review that copies one is a copy
        (``agents.llm.copies``), not a judgement of the paper at hand."""
        return cls(
            summary="The paper asks whether a linear learning-rate warmup stabilises Adam on a "
                    "small CNN for CIFAR-10. It compares 0, 500 and 2000 warmup steps over 3 "
                    "seeds and reports that 500 steps lowers the final loss.",
            strengths=["The warmup lengths of Section 4 (0, 500 and 2000 steps) are compared "
                       "against one fixed Adam baseline, one knob at a time.",
                       "Figure 2 shows the CIFAR-10 loss curves of all three warmup lengths "
                       "with shaded intervals over the 3 seeds."],
            weaknesses=["The 500-step warmup's lower loss in Table 1 lies inside the confidence "
                        "intervals of the no-warmup baseline, yet the abstract calls it an "
                        "improvement.",
                        "Only the small CNN on CIFAR-10 is trained, so the warmup effect may "
                        "not carry over to ResNets or to ImageNet."],
            questions=["Does the 500-step warmup still help at an Adam learning rate of 0.01, "
                       "where training without warmup is said to diverge?"],
            limitations=["Three seeds per warmup length give little power to detect a "
                         "difference in CIFAR-10 loss this small."],
            originality=2, quality=2, clarity=3, significance=2, soundness=2, presentation=3,
            contribution=2, overall=4, confidence=4, ethical_concerns=False, decision="reject")


class MetaReview(ReplyModel):
    summary: str
    strengths: list[str]
    weaknesses: list[str]
    suggestions: list[str] = Field(description="what a revision should change")

    @classmethod
    def example(cls) -> Self:
        return cls(summary="What the reviewers agree and disagree on, in two sentences.",
                   strengths=["The strength most reviewers name."],
                   weaknesses=["The weakness that most affects the decision."],
                   suggestions=["One concrete change a revision should make."])


class ReviewOutcome(BaseModel):
    idea_name: str
    paper_version: int
    reviews: list[Review]
    meta: MetaReview
    mean_overall: float
    decision: Decision
    failed_reviewers: list[str] = Field(default_factory=list)  # "reviewer 2: reason"
    #: Text of the PDF a reader cannot see (white, tiny, off-page, invisible, a hidden layer):
    #: reported, and left out of what the reviewers read (``agents.review.hidden_text``).
    hidden_text: list[str] = Field(default_factory=list)

    @classmethod
    def decide(cls, idea_name: str, version: int, reviews: list[Review], meta: MetaReview,
               failed: list[str] | None = None) -> ReviewOutcome:
        mean = round(sum(r.overall for r in reviews) / len(reviews), 2)
        return cls(idea_name=idea_name, paper_version=version, reviews=reviews, meta=meta,
                   mean_overall=mean, decision="accept" if mean >= ACCEPT_THRESHOLD else "reject",
                   failed_reviewers=failed or [])
