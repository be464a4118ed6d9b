"""The reviewer agents: an ensemble of K reviews on the NeurIPS form, then a meta-review.

Each reviewer has its own persona and checks its review in reflection rounds; reviewers run
at a set temperature (``DEFAULT_TEMPERATURES["reviewer"]`` unless the settings name one).
A reviewer whose model gives no usable review is left out and named in the outcome; the
ensemble decides with the others. A failed meta-review is replaced by one the program writes
from the reviews. The decision follows a documented rule on the scores
(``ACCEPT_THRESHOLD``: the mean overall score must reach it), not a free-text field.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from agents.domain import MetaReview, Review, ReviewOutcome
from agents.errors import LLMError
from agents.llm import LLMClient, example_json
from agents.prompts import DEFAULT_AREA, Task, fill, json_block, render

MAX_PAPER_CHARS = 60_000
MAX_FIGURES = 4
MAX_FINDINGS = 20
PERSONAS = (
    "You are careful and fair: you weigh what the paper shows against what it claims.",
    "You are sceptical: you look hardest for claims the evidence does not support and for "
    "missing controls.",
    "You are open-minded: you value a clear question and honest results, even negative ones, "
    "and you say what would make the work stronger.",
)


class AllReviewersFailed(LLMError):
    """No reviewer of the ensemble gave a usable review."""


def with_figures(messages: list[dict[str, Any]], figures: list[Path]) -> list[dict[str, Any]]:
    """Attach figures (PNG) to the last message, for models that accept images."""
    if not figures:
        return messages
    parts: list[dict[str, Any]] = [{"type": "text", "text": messages[-1]["content"]}]
    for png in figures[:MAX_FIGURES]:
        data = base64.b64encode(png.read_bytes()).decode()
        parts.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
    return [*messages[:-1], {**messages[-1], "content": parts}]


def _review_json(review: Review) -> str:
    return json_block(json.loads(review.model_dump_json()))


def findings_block(findings: list[str]) -> str:
    """What aisci's own checks found in the paper, for the reviewers (empty: none were run)."""
    if not findings:
        return ""
    lines = "\n".join(f"- {f[:400]}" for f in findings[:MAX_FINDINGS])
    more = len(findings) - MAX_FINDINGS
    return ("The program that produced this paper checked its claims against the run files "
            "and found these problems; they are facts about the paper, not opinions, and "
            "should weigh in your review:\n" + lines
            + (f"\n- ... and {more} more" if more > 0 else ""))


async def _one_review(llm: LLMClient, text: str, k: int, images: list[Path],
                      reflections: int, area: str, findings: str = "") -> Review:
    reviewer = str(k + 1)
    persona = PERSONAS[k % len(PERSONAS)]
    # The form and its example follow the paper in every reviewer's prompts, before what is
    # this reviewer's: a local server evaluates them once for the whole ensemble.
    form = fill("reviewer", "form", example=example_json(Review))
    messages = render(Task.REVIEW, area=area, paper=as_data(text), form=form,
                      reviewer=reviewer, persona=persona, findings=findings)
    review = await llm.structured("reviewer", Task.REVIEW, with_figures(messages, images), Review,
                                  shown=True)
    for round_no in range(1, reflections + 1):
        messages = render(Task.REFLECT_REVIEW, area=area, paper=as_data(text),
                          form=form, reviewer=reviewer, round=str(round_no),
                          review=_review_json(review))
        try:
            review = await llm.structured("reviewer", Task.REFLECT_REVIEW, messages, Review,
                                          shown=True)
        except LLMError:
            break  # the review as first written stands
    return review


def as_data(text: str) -> str:
    """The paper's text for a prompt: no run of backticks can close the fence around it."""
    return re.sub(r"`{3,}", lambda m: "'" * len(m.group(0)), text)


def program_meta_review(reviews: list[Review], why: str) -> MetaReview:
    scores = ", ".join(str(r.overall) for r in reviews)
    return MetaReview(summary=f"No meta-review from the model ({why}); the reviews' overall "
                              f"scores are {scores}.",
                      strengths=sorted({s for r in reviews for s in r.strengths})[:5],
                      weaknesses=sorted({w for r in reviews for w in r.weaknesses})[:5],
                      suggestions=[f"Address: {w}" for w in
                                   sorted({w for r in reviews for w in r.weaknesses})[:5]])


async def review_text(llm: LLMClient, text: str, *, num_reviewers: int, idea_name: str,
                      version: int, title: str = "", figures: list[Path] | None = None,
                      reflections: int = 1, area: str = DEFAULT_AREA,
                      hidden: list[str] | None = None,
                      findings: list[str] | None = None) -> ReviewOutcome:
    """K independent reviews, then a meta-review. ``figures`` are shown to reviewers whose
    model accepts images; ``findings`` (aisci's checks of the paper) are told to every
    reviewer. ``AllReviewersFailed`` only when no reviewer gave a review."""
    text = text[:MAX_PAPER_CHARS]
    images = figures if figures and llm.accepts_images("reviewer") else []
    reviews: list[Review] = []
    failed: list[str] = []
    for k in range(num_reviewers):
        try:
            reviews.append(await _one_review(llm, text, k, images, reflections, area,
                                             findings_block(findings or [])))
        except LLMError as exc:
            failed.append(f"reviewer {k + 1}: {str(exc)[:300]}")
    if not reviews:
        raise AllReviewersFailed("no reviewer gave a usable review: " + "; ".join(failed))
    messages = render(Task.META_REVIEW, area=area, title=title or idea_name,
                      reviews="\n\n".join(f"Review {i + 1}:\n{_review_json(r)}"
                                          for i, r in enumerate(reviews)))
    try:
        meta = await llm.structured("reviewer", Task.META_REVIEW, messages, MetaReview)
    except LLMError as exc:
        meta = program_meta_review(reviews, str(exc)[:200])
    outcome = ReviewOutcome.decide(idea_name, version, reviews, meta, failed)
    return outcome.model_copy(update={"hidden_text": list(hidden or [])})


def reviews_markdown(outcome: ReviewOutcome) -> str:
    lines = [f"# Reviews of {outcome.idea_name} (version {outcome.paper_version})", "",
             f"**Decision: {outcome.decision}** (mean overall {outcome.mean_overall}; "
             f"the rule: accept when the mean overall score is at least 6)", ""]
    if outcome.hidden_text:
        lines += ["## Text a reader cannot see", "",
                  "The PDF holds text that a reader of it does not see. It was left out of what "
                  "the reviewers read, and it is a weakness of the submission:", "",
                  *[f"- {h}" for h in outcome.hidden_text], ""]
    if outcome.failed_reviewers:
        lines += ["Reviewers without a usable review (left out of the decision):", "",
                  *[f"- {f}" for f in outcome.failed_reviewers], ""]
    for k, r in enumerate(outcome.reviews, start=1):
        lines += [f"## Review {k}", "", r.summary, "",
                  f"Originality {r.originality}/4 · Quality {r.quality}/4 · Clarity "
                  f"{r.clarity}/4 · Significance {r.significance}/4", "",
                  f"Soundness {r.soundness}/4 · Presentation {r.presentation}/4 · "
                  f"Contribution {r.contribution}/4 · **Overall {r.overall}/10** · "
                  f"Confidence {r.confidence}/5 · {r.decision}", ""]
        for title, items in (("Strengths", r.strengths), ("Weaknesses", r.weaknesses),
                             ("Questions", r.questions), ("Limitations", r.limitations)):
            lines += [f"**{title}**", "", *[f"- {i}" for i in items], ""]
    lines += ["## Meta-review", "", outcome.meta.summary, "", "**Suggestions**", "",
              *[f"- {s}" for s in outcome.meta.suggestions], ""]
    return "\n".join(lines)


def paper_text(pdf_text: str, tex_source: Path | None = None) -> str:
    """What reviewers read: the PDF's text, else (no PDF) the LaTeX source."""
    text = pdf_text
    if not text.strip() and tex_source and tex_source.exists():
        text = tex_source.read_text(encoding="utf-8")
    return text[:MAX_PAPER_CHARS]
