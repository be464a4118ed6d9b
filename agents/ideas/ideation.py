"""The ideation agent: propose ideas for the topic from the template and its baseline, then
refine each in reflection rounds. It sees the literature while it generates (as AI-Scientist
v2's ideation does): the papers a search for the topic returns before it proposes, and the
papers a search for each idea returns before that idea is refined. In a later round (after
every idea of the round before was judged not novel) it is shown those ideas and the papers
that already cover them, and proposes ideas that differ.

A model failure is data: ideation that gives no usable answer falls back to the template's
seed ideas, a failed reflection keeps the idea as proposed; both are recorded as events. A
reply that repeats a seed idea (the prompt's example) or an idea of an earlier round is sent
back through the repair turn.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

from pydantic import Field

from agents.domain import (
    EventBase,
    Idea,
    IdeaDraft,
    IdeasDropped,
    IdeationFailed,
    IdeationFallback,
    LiteratureFailed,
    LiteratureSearch,
    ReflectionFailed,
    ReplyModel,
)
from agents.errors import LLMError
from agents.literature import LiteratureError, LiteratureSource
from agents.llm import NEAR, LLMClient, ReplyError, words
from agents.prompts import Task, json_block, render


class IdeasReply(ReplyModel):
    ideas: list[IdeaDraft] = Field(min_length=1)

    @classmethod
    def example(cls) -> Self:
        first = IdeaDraft.example()
        second = first.model_copy(update={"name": "another_short_name",
                                          "title": "A second paper-style title"})
        return cls(ideas=[first, second])


@dataclass(frozen=True)
class Ideator:
    """What ideation uses, and nothing more: the model, where its searches and failures are
    recorded, the research area and the template as the prompts show it (what it is, what it
    measures, the baseline's results, the outline of its code), the template's seed ideas,
    how many ideas, reflection rounds and runs per idea."""

    llm: LLMClient
    record: Callable[[EventBase], None]
    area: str
    template: str
    seed_ideas: Sequence[IdeaDraft]
    num_ideas: int
    reflections: int
    max_runs: int


#: Papers shown per search: the topic's before ideation, each idea's before its reflection.
PAPERS_SHOWN = 5
ABSTRACT_CHARS = 160


async def search(record: Callable[[EventBase], None], source: LiteratureSource | None,
                 query: str, purpose: str) -> list[dict[str, Any]]:
    """What ``source`` returns for ``query`` (none on an error, which is recorded)."""
    if source is None or not query.strip():
        return []
    try:
        records = await asyncio.to_thread(source.search, query, PAPERS_SHOWN)
    except LiteratureError as exc:
        record(LiteratureFailed(purpose=purpose, query=query, error=str(exc)[:300]))
        return []
    record(LiteratureSearch(purpose=purpose, query=query,
                            source=getattr(source, "name", "none"), results=len(records)))
    found = []
    for rec in records:
        data = rec.model_dump(mode="json") if hasattr(rec, "model_dump") else dict(rec)
        found.append({k: v for k, v in data.items() if k in ("title", "year", "abstract") and v})
    return found


def papers_text(papers: Sequence[dict[str, Any]]) -> str:
    lines = []
    for p in papers:
        year = f" ({p['year']})" if p.get("year") else ""
        abstract = " ".join(str(p.get("abstract", "")).split())[:ABSTRACT_CHARS]
        lines.append(f"- {p.get('title', '')}{year}" + (f": {abstract}" if abstract else ""))
    return "\n".join(lines)


def literature_paragraph(papers: Sequence[dict[str, Any]]) -> str:
    if not papers:
        return ""
    return ("A search of the literature for the topic returned these papers; an idea that one "
            "of them already covers is not novel:\n" + papers_text(papers))


def rejected_paragraph(earlier: Sequence[Idea]) -> str:
    """The ideas of earlier rounds that were judged not novel, and the papers that cover them."""
    if not earlier:
        return ""
    lines = []
    for idea in earlier:
        verdict = idea.novelty_verdict
        closest = "; ".join(verdict.closest[:3]) if verdict and verdict.closest else ""
        lines.append(f"- {idea.title}" + (f" (already covered by: {closest})" if closest else ""))
    return ("These ideas were proposed before and judged not novel. Do not propose them again, "
            "nor a variant of them: propose ideas that test something those papers do not.\n"
            + "\n".join(lines))


def _draft_json(draft: IdeaDraft) -> str:
    return json_block(json.loads(draft.model_dump_json()))


def ideate_messages(ideator: Ideator, topic: str, *, literature: Sequence[dict[str, Any]] = (),
                    earlier: Sequence[Idea] = ()) -> list[dict[str, Any]]:
    # A template without seed ideas (one written from scratch) gets no such paragraph: shown
    # "(none)", a small model answered with no ideas at all.
    seeds = ("Here are ideas that come with the template; they show the expected level of "
             "detail. Do not propose them again.\n"
             + "\n\n".join(_draft_json(s) for s in ideator.seed_ideas)) if ideator.seed_ideas \
        else ""
    return render(Task.IDEATE, area=ideator.area,
                  template=ideator.template, topic=topic, seed_ideas=seeds,
                  literature=literature_paragraph(literature),
                  rejected=rejected_paragraph(earlier),
                  num_ideas=str(ideator.num_ideas), max_runs=str(ideator.max_runs))


def _same_idea(new: IdeaDraft, shown: IdeaDraft) -> str:
    """Why ``new`` is ``shown`` again (its name, or its title or experiment as a whole, near
    enough), or "". A phrase in common is no repeat: the seed ideas show the level of detail."""
    if new.name == shown.name:
        return f"the name \"{new.name}\" is taken by an idea shown above"
    for field in ("title", "experiment"):
        mine, theirs = " ".join(words(getattr(new, field))), " ".join(words(getattr(shown, field)))
        if mine and difflib.SequenceMatcher(None, mine, theirs).ratio() >= NEAR:
            return f"its {field} is that of the idea \"{shown.title}\" shown above"
    return ""


def _copied(draft: IdeaDraft, shown: Sequence[IdeaDraft]) -> str:
    """Why ``draft`` repeats a seed idea or an earlier one (the prompt's examples), or ""."""
    return next((why for s in shown if (why := _same_idea(draft, s))), "")


def _something_new(reply: IdeasReply, shown: Sequence[IdeaDraft]) -> None:
    """A reply whose every idea repeats one shown in the prompt is a copy (asked again); one
    with a new idea is kept, its repeats left out (``_new_ideas``)."""
    reasons = [_copied(d, shown) for d in reply.ideas]
    if all(reasons):
        raise ReplyError(f"every idea repeats one shown in the prompt ({reasons[0]}); propose "
                         f"new ideas, each with its own name, title and experiment")


def _new_ideas(drafts: list[IdeaDraft], shown: Sequence[IdeaDraft],
               record: Callable[[EventBase], None], round_no: int) -> list[IdeaDraft]:
    copied = [(d, _copied(d, shown)) for d in drafts]
    dropped = [f"{d.name}: {why}"[:300] for d, why in copied if why]
    if dropped:
        record(IdeasDropped(round=round_no, dropped=dropped))
    return [d for d, why in copied if not why]


async def ideate(ideator: Ideator, topic: str, source: LiteratureSource | None = None, *,
                 earlier: Sequence[Idea] = (), round_no: int = 1) -> list[Idea]:
    """``num_ideas`` refined ideas with names unique among themselves and ``earlier`` (the
    ideas of earlier rounds, all judged not novel, which the new ones must differ from)."""
    seed_ideas = list(ideator.seed_ideas)
    query = topic if not earlier else f"{topic} {earlier[-1].title}"
    literature = await search(ideator.record, source, query, "ideation")
    messages = ideate_messages(ideator, topic, literature=literature, earlier=earlier)
    shown = [*seed_ideas, *(IdeaDraft.model_validate(i.model_dump(include=set(
        IdeaDraft.model_fields))) for i in earlier)]
    try:
        drafts = _new_ideas((await ideator.llm.structured(
            "ideation", Task.IDEATE, messages, IdeasReply,
            check=lambda reply: _something_new(reply, shown))).ideas, shown, ideator.record,
            round_no)
    except LLMError as exc:
        if earlier:  # a later round without new ideas: the run ends with the ones it has
            ideator.record(IdeationFailed(round=round_no, reason=str(exc)[:500]))
            return []
        if not seed_ideas:
            raise
        ideator.record(IdeationFallback(reason=str(exc)[:500], using="seed ideas"))
        drafts = seed_ideas
    taken = {s.name for s in seed_ideas} if drafts is not seed_ideas else set()
    fresh = [d for d in drafts if d.name not in taken] or drafts
    ideas: list[Idea] = []
    seen: set[str] = {i.name for i in earlier}
    for draft in fresh[: ideator.num_ideas]:
        for reflection in range(1, ideator.reflections + 1):
            near = await search(ideator.record, source, draft.title, "reflection")
            draft = await _reflect(ideator, topic, draft, reflection, near)
        name, n = draft.name, 1
        while name in seen:
            n += 1
            name = f"{draft.name}_{n}"
        seen.add(name)
        ideas.append(Idea(**{**draft.model_dump(), "name": name, "round": round_no}))
    return ideas


async def _reflect(ideator: Ideator, topic: str, draft: IdeaDraft, round_no: int,
                   near: Sequence[dict[str, Any]] = ()) -> IdeaDraft:
    literature = ("A search of the literature for this idea returned these papers; if one "
                  "already does this experiment, change the idea so that it tests something "
                  "new:\n" + papers_text(near)) if near else ""
    messages = render(Task.REFLECT_IDEA,
                      area=ideator.area,
                      template=ideator.template, topic=topic, idea=_draft_json(draft),
                      literature=literature, round=str(round_no),
                      rounds=str(ideator.reflections), max_runs=str(ideator.max_runs))
    try:
        refined = await ideator.llm.structured("ideation", Task.REFLECT_IDEA, messages, IdeaDraft,
                                           shown=True)
    except LLMError as exc:
        ideator.record(ReflectionFailed(idea=draft.name, reason=str(exc)[:500]))
        return draft
    return refined.model_copy(update={"name": draft.name})
