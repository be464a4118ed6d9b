"""The reviewer agents: an ensemble of K reviews on the conference form, then a meta-review.

The decision follows a documented rule on the scores (``models.ACCEPT_THRESHOLD``: the mean
overall score must reach it), not a free-text field.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from agents.latex import pdf_text
from agents.llm.client import LLMClient
from agents.llm.prompt_blocks import block
from agents.models import MetaReviewReply, ReviewOutcome, ReviewReply
from agents.prompts import render
from agents.run_folder import atomic_write_json, atomic_write_text

MAX_PAPER_CHARS = 60_000
MAX_FIGURES = 4
REFLECTIONS = 1


def with_figures(messages: list[dict[str, Any]], figures: list[Path]) -> list[dict[str, Any]]:
    """Attach figures (PNG) to the last message, for models that accept images."""
    if not figures:
        return messages
    parts: list[dict[str, Any]] = [{"type": "text", "text": messages[-1]["content"]}]
    for png in figures[:MAX_FIGURES]:
        data = base64.b64encode(png.read_bytes()).decode()
        parts.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
    return [*messages[:-1], {**messages[-1], "content": parts}]


def paper_text(pdf: Path | None, tex_source: Path | None = None) -> str:
    text = pdf_text(pdf) if pdf and pdf.exists() else ""
    if not text.strip() and tex_source and tex_source.exists():
        text = tex_source.read_text(encoding="utf-8")
    return text[:MAX_PAPER_CHARS]


async def review_text(llm: LLMClient, text: str, *, num_reviewers: int, idea_name: str,
                      version: int, figures: list[Path] | None = None,
                      reflections: int = REFLECTIONS) -> ReviewOutcome:
    """K independent reviews, each checked by its reviewer in reflection rounds, then a
    meta-review. ``figures`` are shown to reviewers whose model accepts images."""
    reviews = []
    images = figures if figures and llm.accepts_images("reviewer") else []
    for k in range(num_reviewers):
        system = {"reviewer_index": str(k + 1)}
        messages = render("reviewer", "review", system=system,
                          reviewer=block("reviewer", str(k)), paper=block("paper", text))
        review = await llm.structured("reviewer", "review", with_figures(messages, images),
                                      ReviewReply)
        for round_no in range(1, reflections + 1):
            messages = render("reviewer", "reflect_review", system=system,
                              round_text=str(round_no), review=block("review", review.model_dump()),
                              paper=block("paper", text))
            review = await llm.structured("reviewer", "reflect_review", messages, ReviewReply)
        reviews.append(review)
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
