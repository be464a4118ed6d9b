"""The ideation agent: propose ideas for the topic, refine each in reflection rounds."""

from __future__ import annotations

from typing import Any

from agents.context import RunContext
from agents.llm.prompt_blocks import block
from agents.models import Idea, IdeaDraft, IdeasReply
from agents.prompts import render


def _code(ctx: RunContext) -> str:
    return block("code", (ctx.template.path / "experiment.py").read_text(encoding="utf-8"),
                 path="experiment.py")


async def ideate(ctx: RunContext, topic: str) -> list[Idea]:
    """Ask for ``num_ideas`` ideas, then refine each; names are kept unique."""
    t = ctx.template
    max_runs = ctx.settings.max_runs or t.max_runs
    system = {"template_system": t.system_prompt}
    messages = render(
        "ideation", "ideate", system=system,
        num_ideas_text=str(ctx.settings.num_ideas), max_runs=str(max_runs),
        topic=block("topic", topic), task_description=block("task_description", t.task_description),
        primary_metric=block("primary_metric", t.primary_metric),
        max_runs_block=block("max_runs", str(max_runs)),
        num_ideas=block("num_ideas", str(ctx.settings.num_ideas)), code=_code(ctx),
        seed_ideas=block("seed_ideas", [s.model_dump() for s in t.seed_ideas]),
        previous_ideas=block("previous_ideas", [s.name for s in t.seed_ideas]),
    )
    reply = await ctx.llm.structured("ideation", "ideate", messages, IdeasReply)
    ideas: list[Idea] = []
    seen: set[str] = set()
    for draft in reply.ideas[: ctx.settings.num_ideas]:
        for round_no in range(1, ctx.settings.reflections + 1):
            draft = await _reflect(ctx, draft, round_no)
        name, n = draft.name, 1
        while name in seen:
            n += 1
            name = f"{draft.name}_{n}"
        seen.add(name)
        ideas.append(Idea(**{**draft.model_dump(), "name": name}))
    return ideas


async def _reflect(ctx: RunContext, draft: IdeaDraft, round_no: int) -> IdeaDraft:
    t = ctx.template
    messages = render(
        "ideation", "reflect_idea", system={"template_system": t.system_prompt},
        round_text=str(round_no), idea=block("idea", draft.model_dump()),
        round=block("round", str(round_no)),
        task_description=block("task_description", t.task_description),
        primary_metric=block("primary_metric", t.primary_metric),
    )
    refined = await ctx.llm.structured("ideation", "reflect_idea", messages, IdeaDraft)
    return refined.model_copy(update={"name": draft.name})


def ideas_record(ideas: list[Idea]) -> list[dict[str, Any]]:
    return [i.model_dump(mode="json") for i in ideas]
