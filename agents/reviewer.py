"""The reviewer agents: an ensemble of K reviews on the conference form, then a meta-review.

The decision follows a documented rule on the scores (``models.ACCEPT_THRESHOLD``: the mean
overall score must reach it), not a free-text field.
"""

from __future__ import annotations

from pathlib import Path

from agents.latex import pdf_text
from agents.llm.client import LLMClient
from agents.llm.prompt_blocks import block
from agents.models import MetaReviewReply, ReviewOutcome, ReviewReply
from agents.prompts import render
from agents.run_folder import atomic_write_json, atomic_write_text

MAX_PAPER_CHARS = 60_000


def paper_text(pdf: Path | None, tex_source: Path | None = None) -> str:
    text = pdf_text(pdf) if pdf and pdf.exists() else ""
    if not text.strip() and tex_source and tex_source.exists():
        text = tex_source.read_text(encoding="utf-8")
    return text[:MAX_PAPER_CHARS]


async def review_text(llm: LLMClient, text: str, *, num_reviewers: int, idea_name: str,
                      version: int) -> ReviewOutcome:
    reviews = []
    for k in range(num_reviewers):
        messages = render("reviewer", "review", system={"reviewer_index": str(k + 1)},
                          reviewer=block("reviewer", str(k)), paper=block("paper", text))
        reviews.append(await llm.structured("reviewer", "review", messages, ReviewReply))
    messages = render("reviewer", "meta_review", system={"reviewer_index": "chair"},
                      reviews=block("reviews", [r.model_dump() for r in reviews]))
    meta = await llm.structured("reviewer", "meta_review", messages, MetaReviewReply)
    return ReviewOutcome.decide(idea_name, version, reviews, meta)


def save_reviews(outcome: ReviewOutcome, folder: Path) -> None:
    """review_<k>.json, meta_review.json and a readable reviews.md."""
    for k, review in enumerate(outcome.reviews, start=1):
        atomic_write_json(folder / f"review_{k}.json", review)
    atomic_write_json(folder / "meta_review.json", {
        **outcome.meta.model_dump(), "mean_overall": outcome.mean_overall,
        "decision": outcome.decision, "paper_version": outcome.paper_version})
    atomic_write_text(folder / "reviews.md", reviews_markdown(outcome))


def reviews_markdown(outcome: ReviewOutcome) -> str:
    lines = [f"# Reviews of {outcome.idea_name} (version {outcome.paper_version})", "",
             f"**Decision: {outcome.decision}** (mean overall {outcome.mean_overall}; "
             f"the rule: accept when the mean overall score is at least 6)", ""]
    for k, r in enumerate(outcome.reviews, start=1):
        lines += [f"## Review {k}", "", r.summary, "",
                  f"Soundness {r.soundness}/4 · Presentation {r.presentation}/4 · "
                  f"Contribution {r.contribution}/4 · **Overall {r.overall}/10** · "
                  f"Confidence {r.confidence}/5 · {r.decision}", ""]
        for title, items in (("Strengths", r.strengths), ("Weaknesses", r.weaknesses),
                             ("Questions", r.questions), ("Limitations", r.limitations)):
            lines += [f"**{title}**", "", *[f"- {i}" for i in items], ""]
    lines += ["## Meta-review", "", outcome.meta.summary, "", "**Suggestions**", "",
              *[f"- {s}" for s in outcome.meta.suggestions], ""]
    return "\n".join(lines)
