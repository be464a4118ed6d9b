"""The ideation agent: propose ideas for the topic from the template and its baseline, then
refine each in reflection rounds.

A model failure is data: ideation that gives no usable answer falls back to the template's
seed ideas, a failed reflection keeps the idea as proposed; both are recorded as events.
"""

from __future__ import annotations

import json
from typing import Any, Self

from pydantic import Field

from agents.domain.ideas import Idea, IdeaDraft
from agents.domain.reply import ReplyModel
from agents.errors import LLMError
from agents.prompts import render
from agents.prompts.format import json_block
from agents.run.context import RunContext
from agents.templates.describe import template_context


class IdeasReply(ReplyModel):
    ideas: list[IdeaDraft] = Field(min_length=1)

    @classmethod
    def example(cls) -> Self:
        first = IdeaDraft.example()
        second = first.model_copy(update={"name": "another_short_name",
                                          "title": "A second paper-style title"})
        return cls(ideas=[first, second])


def _template(ctx: RunContext) -> str:
    base = ctx.baseline()
    return template_context(ctx.template, ctx.metric, base.final_info if base else None,
                            len(ctx.seeds), {"experiment.py": ctx.template.code()})


def _draft_json(draft: IdeaDraft) -> str:
    return json_block(json.loads(draft.model_dump_json()))


def ideate_messages(ctx: RunContext, topic: str) -> list[dict[str, Any]]:
    t = ctx.template
    # A template without seed ideas (one written from scratch) gets no such paragraph: shown
    # "(none)", a small model answered with no ideas at all.
    seeds = ("Here are ideas that come with the template; they show the expected level of "
             "detail. Do not propose them again.\n"
             + "\n\n".join(_draft_json(s) for s in t.seed_ideas)) if t.seed_ideas else ""
    return render("ideation", "ideate", area=t.system_prompt,
                  template=_template(ctx), topic=topic, seed_ideas=seeds,
                  num_ideas=str(ctx.settings.num_ideas), max_runs=str(ctx.max_runs))


async def ideate(ctx: RunContext, topic: str) -> list[Idea]:
    """``num_ideas`` refined ideas with unique names."""
    t = ctx.template
    messages = ideate_messages(ctx, topic)
    try:
        drafts = (await ctx.llm.structured("ideation", "ideate", messages, IdeasReply)).ideas
    except LLMError as exc:
        if not t.seed_ideas:
            raise
        ctx.run.event("ideation_fallback", reason=str(exc)[:500], using="seed ideas")
        drafts = list(t.seed_ideas)
    taken = {s.name for s in t.seed_ideas} if drafts is not t.seed_ideas else set()
    fresh = [d for d in drafts if d.name not in taken] or drafts
    ideas: list[Idea] = []
    seen: set[str] = set()
    for draft in fresh[: ctx.settings.num_ideas]:
        for round_no in range(1, ctx.settings.reflections + 1):
            draft = await _reflect(ctx, topic, draft, round_no)
        name, n = draft.name, 1
        while name in seen:
            n += 1
            name = f"{draft.name}_{n}"
        seen.add(name)
        ideas.append(Idea(**{**draft.model_dump(), "name": name}))
    return ideas


async def _reflect(ctx: RunContext, topic: str, draft: IdeaDraft, round_no: int) -> IdeaDraft:
    messages = render("ideation", "reflect_idea",
                      area=ctx.template.system_prompt,
                      template=_template(ctx), topic=topic, idea=_draft_json(draft),
                      round=str(round_no), rounds=str(ctx.settings.reflections),
                      max_runs=str(ctx.max_runs))
    try:
        refined = await ctx.llm.structured("ideation", "reflect_idea", messages, IdeaDraft)
    except LLMError as exc:
        ctx.run.event("reflection_failed", idea=draft.name, reason=str(exc)[:500])
        return draft
    return refined.model_copy(update={"name": draft.name})
