"""The novelty agent: a multi-round literature search it drives, ending in a verdict.

It fails closed. When the model searches in its last round, it sees those results and must
decide in one more turn; when no verdict comes (or the model fails), the idea counts as not
novel, with the reason, and is run only with ``--include-not-novel``. Closest papers are
matched to what the searches returned tolerantly (case, punctuation, a near-identical title),
so their evidence is kept. A "not novel" verdict must name a paper the searches returned
(the evidence); one that names none is asked again.
"""

from __future__ import annotations

import asyncio
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Self

from agents.domain import EventBase, Idea, LiteratureFailed, LiteratureSearch, NoveltyVerdict, ReplyModel
from agents.errors import LLMError
from agents.literature import LiteratureError, LiteratureSource
from agents.llm import LLMClient, ReplyError, current_branch
from agents.prompts import Task, json_block, render

RESULTS_PER_QUERY = 8
ABSTRACT_CHARS = 300
TITLE_MATCH = 0.9


class NoveltyStep(ReplyModel):
    """One round: search again, or decide."""

    action: Literal["search", "decide"]
    query: str
    #: None while searching: the example carries no verdict for a model to copy (with
    #: ``false`` there, the 1.5B model judged every idea of three rounds not novel).
    novel: bool | None
    closest: list[str]
    reason: str

    @classmethod
    def example(cls) -> Self:
        return cls(action="search", query="a few keywords", novel=None, closest=[],
                   reason="why you search again, or why the idea is or is not novel")


def normalize_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def match_title(title: str, returned: list[str]) -> str | None:
    """The returned title that ``title`` names (exact after normalising, else near-identical)."""
    wanted = normalize_title(title)
    if not wanted:
        return None
    by_norm = {normalize_title(t): t for t in returned}
    if wanted in by_norm:
        return by_norm[wanted]
    best = max(by_norm, key=lambda t: difflib.SequenceMatcher(None, wanted, t).ratio(), default="")
    if best and difflib.SequenceMatcher(None, wanted, best).ratio() >= TITLE_MATCH:
        return by_norm[best]
    return None


#: Words that name no subject: a paper and an idea that share only these share nothing.
_GENERIC = frozenset(w.rstrip("s") for w in ("about", "above", "accuracy", "achieve", "across",
    "adding", "after", "again", "against", "also", "among", "analysis", "approach", "based",
    "baseline", "before", "being", "better", "between", "both", "change", "compare", "data",
    "dataset", "deep", "demonstrate", "different", "does", "during", "each", "effect", "existing",
    "experiment", "find", "first", "from", "general", "have", "help", "high", "improve",
    "improved", "improving", "into", "large", "learning", "machine", "many", "method", "model",
    "more", "most", "network", "neural", "novel", "other", "over", "paper", "performance",
    "problem", "propose", "present", "provide", "result", "same", "several", "show", "significant",
    "simple", "small", "some", "standard", "state", "study", "such", "task", "than", "that",
    "their", "them", "then", "there", "these", "they", "this", "through", "train", "training",
    "under", "using", "validation", "value", "very", "well", "what", "when", "where", "which",
    "while", "with", "without", "work"))


def subject_terms(text: str) -> set[str]:
    """The words of ``text`` that say what it is about (4 letters or more, not generic)."""
    found = {w.rstrip("s") for w in re.findall(r"[a-z][a-z0-9-]{3,}", text.lower())}
    return {w for w in found if w not in _GENERIC and len(w) >= 4}  # plurals as singulars


def topic_terms(topic: str) -> frozenset[str]:
    """The topic's subject words, and the parts of its hyphenated ones ("curvature-aware":
    also "curvature", "aware")."""
    return frozenset(subject_terms(topic) | subject_terms(topic.replace("-", " ")))


def _backed(step: NoveltyStep, returned: list[dict[str, Any]], idea_terms: set[str],
            topic_terms: frozenset[str] = frozenset()) -> None:
    """A "not novel" verdict names a returned paper that covers the idea: the evidence. A
    paper that shares no subject with the idea (no word of the idea's title or experiment in
    its title or abstract) covers nothing of it: a small model names whatever came back. Nor
    does a paper that shares only the run's topic words: every idea of the run has those (the
    1.5B model named one curvature paper against every idea of a run on "curvature-aware step
    sizes")."""
    all_terms = idea_terms
    idea_terms = (idea_terms - topic_terms) or idea_terms  # an idea that is only its topic
    if step.action != "decide" or step.novel:
        return
    if step.novel is None:
        raise ReplyError("a decision says whether the idea is novel: \"novel\": true or false")
    titles = [str(p.get("title", "")) for p in returned]
    named = [m for t in step.closest if (m := match_title(t, titles))]
    if not named:
        raise ReplyError(
            "an idea is not novel only if a paper the searches returned already covers it: "
            "name that paper in \"closest\", its title copied exactly; if no returned paper "
            "covers the idea, it is novel (\"novel\": true)")
    by_title = {str(p.get("title", "")): p for p in returned}
    if not any(idea_terms & subject_terms(f"{t} {by_title[t].get('abstract', '')}") for t in named):
        what = ("no word of the idea's title or experiment" if idea_terms == all_terms else
                "no word of the idea's own (beyond the words of the run's topic, which every "
                "idea shares)")
        raise ReplyError(
            f"\"{named[0]}\" is about something else: {what} is in its title or abstract, so "
            f"it does not cover the idea; name a returned paper that studies what the idea "
            f"studies, or, if none does, the idea is novel (\"novel\": true)")


def record_dict(record: Any) -> dict[str, Any]:
    """A literature record as plain data (the sources return pydantic records)."""
    data = record.model_dump(mode="json") if hasattr(record, "model_dump") else dict(record)
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def searches_text(queries: list[str], found: list[list[dict[str, Any]]]) -> str:
    if not queries:
        return "No search has been made yet."
    lines = ["The searches so far:"]
    for n, (query, papers) in enumerate(zip(queries, found, strict=True), start=1):
        lines.append(f"{n}. \"{query}\" returned {len(papers) or 'no'} papers"
                     + (":" if papers else "."))
        for p in papers:
            abstract = str(p.get("abstract", ""))[:ABSTRACT_CHARS]
            year = f" ({p['year']})" if p.get("year") else ""
            lines.append(f"   - {p.get('title', '')}{year}" + (f": {abstract}" if abstract else ""))
    return "\n".join(lines)


@dataclass(frozen=True)
class NoveltyJudge:
    """What the novelty check uses, and nothing more: the model, where its searches are
    recorded, the research area, the rounds of search, how many ideas at once, whether an
    idea judged not novel still runs (``--include-not-novel``), and the run's topic."""

    llm: LLMClient
    record: Callable[[EventBase], None]
    area: str
    rounds: int
    parallel: int = 1
    include_not_novel: bool = False
    #: The run's topic: its words are every idea's, so they are no evidence that a paper
    #: covers one idea.
    topic: str = ""


async def check_idea(judge: NoveltyJudge, idea: Idea, source: LiteratureSource | None) -> Idea:
    rounds = judge.rounds
    queries: list[str] = []
    found: list[list[dict[str, Any]]] = []
    papers: dict[str, dict[str, Any]] = {}
    verdict: NoveltyVerdict | None = None
    idea_json = json_block(idea.model_dump(include={"name", "title", "experiment"}))
    terms = subject_terms(f"{idea.title} {idea.experiment} {idea.name.replace('_', ' ')}")
    undecided = ""
    for round_no in range(1, rounds + 2):  # the extra round only to decide on the last results
        last = round_no >= rounds
        closing = ("You must decide in this round: reply with \"action\": \"decide\"."
                   if last else "")
        if round_no > rounds:
            closing = ("Every search round is used: decide now, from the papers above, with "
                       "\"action\": \"decide\".")
        messages = render(Task.NOVELTY_STEP, area=judge.area, idea=idea_json,
                          searches=searches_text(queries, found), round=str(min(round_no, rounds)),
                          rounds=str(rounds), closing=closing)
        try:
            step = await judge.llm.structured("novelty", Task.NOVELTY_STEP, messages, NoveltyStep,
                                            check=functools.partial(
                                                _backed, returned=list(papers.values()),
                                                idea_terms=terms,
                                                topic_terms=topic_terms(judge.topic)))
        except LLMError as exc:
            undecided = f"the novelty model failed: {str(exc)[:300]}"
            break
        if step.action == "decide":
            verdict = NoveltyVerdict(novel=bool(step.novel), closest=step.closest,
                                     reason=step.reason)
            break
        if round_no > rounds:
            undecided = f"no verdict after {rounds} search rounds and a last turn to decide"
            break
        query = step.query.strip() or idea.title
        queries.append(query)
        try:
            records = await asyncio.to_thread(source.search, query, RESULTS_PER_QUERY) if source else []
        except LiteratureError as exc:
            judge.record(LiteratureFailed(idea=idea.name, query=query, error=str(exc)[:300]))
            records = []
        judge.record(LiteratureSearch(idea=idea.name, query=query,
                                      source=getattr(source, "name", "none"), results=len(records)))
        this = [record_dict(rec) for rec in records]
        found.append(this)
        for data in this:
            papers.setdefault(normalize_title(str(data.get("title", ""))), data)
    returned = [str(p.get("title", "")) for p in papers.values()]
    if verdict is None:
        verdict = NoveltyVerdict(novel=False, closest=[], reason=f"Not judged: {undecided}.",
                                 undecided=undecided or "no verdict")
    else:
        kept = [m for t in verdict.closest if (m := match_title(t, returned))]
        verdict = verdict.model_copy(update={"closest": list(dict.fromkeys(kept))})
    return idea.model_copy(update={"novelty_verdict": verdict, "queries": queries,
                                   "literature": list(papers.values())})


async def check_all(judge: NoveltyJudge, ideas: list[Idea], source: LiteratureSource | None,
                    note: str = "") -> list[Idea]:
    """Every idea's check; ideas are checked concurrently, up to --parallel at a time (the
    model's own gate still bounds its calls)."""
    limit = asyncio.Semaphore(max(1, judge.parallel))

    async def one(idea: Idea) -> Idea:
        # one idea's steps in a row: a local server's prefix cache holds its searches so far
        current_branch.set(f"novelty:{idea.name}")
        async with limit:
            return await check_idea(judge, idea, source)

    checked = await asyncio.gather(*(one(idea) for idea in ideas))
    keep_all = judge.include_not_novel
    return [i.model_copy(update={
        "selected": keep_all or bool(i.novelty_verdict and i.novelty_verdict.novel),
        "literature_note": note}) for i in checked]
