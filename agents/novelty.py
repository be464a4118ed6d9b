"""The novelty agent: a multi-round literature search it drives, ending in a verdict."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from agents.context import RunContext
from agents.llm.prompt_blocks import block
from agents.models import Idea, NoveltyStepReply, NoveltyVerdict
from agents.prompts import render


class SearchSource(Protocol):
    name: str

    def search(self, query: str, limit: int = 10) -> list[Any]: ...


def record_dict(record: Any) -> dict[str, Any]:
    """A literature record as plain data (the sources return pydantic records)."""
    data = record.model_dump(mode="json") if hasattr(record, "model_dump") else dict(record)
    return {k: v for k, v in data.items() if v not in (None, "", [])}


async def check_idea(ctx: RunContext, idea: Idea, source: SearchSource | None) -> Idea:
    rounds = ctx.settings.novelty_rounds
    queries: list[str] = []
    papers: dict[str, dict[str, Any]] = {}
    verdict: NoveltyVerdict | None = None
    for round_no in range(1, rounds + 1):
        messages = render(
            "novelty", "novelty_step", round_text=str(round_no), max_rounds_text=str(rounds),
            idea=block("idea", idea.model_dump(include={"name", "title", "experiment"})),
            round=block("round", str(round_no)), max_rounds=block("max_rounds", str(rounds)),
            queries=block("queries", queries), papers=block("papers", list(papers.values())),
        )
        step = await ctx.llm.structured("novelty", "novelty_step", messages, NoveltyStepReply)
        if step.action == "decide" and step.verdict is not None:
            verdict = step.verdict
            break
        query = step.query.strip() or idea.title
        queries.append(query)
        found = await asyncio.to_thread(source.search, query, 8) if source else []
        ctx.run.event("literature_search", idea=idea.name, query=query,
                      source=getattr(source, "name", "none"), results=len(found))
        for rec in found:
            data = record_dict(rec)
            papers.setdefault(str(data.get("title", "")).lower(), data)
    if verdict is None:
        verdict = NoveltyVerdict(novel=True, closest=[], reason=(
            f"No verdict after {rounds} search rounds; treated as novel."))
    # Keep only closest-paper titles that a search really returned.
    returned = {p.get("title", "") for p in papers.values()}
    verdict = verdict.model_copy(update={"closest": [t for t in verdict.closest if t in returned]})
    return idea.model_copy(update={
        "novelty_verdict": verdict, "queries": queries, "literature": list(papers.values())})


async def check_all(ctx: RunContext, ideas: list[Idea], source: SearchSource | None) -> list[Idea]:
    checked = [await check_idea(ctx, idea, source) for idea in ideas]
    keep_all = ctx.settings.include_not_novel
    return [i.model_copy(update={"selected": keep_all or bool(i.novelty_verdict and i.novelty_verdict.novel)})
            for i in checked]
