"""The services each role is given, unpacked from the run's context here: a role function
takes what it uses (a model, where its events go, its settings, the template as its prompts
show it), never the whole ``RunContext``."""

from __future__ import annotations

from agents.experiment import Plotter
from agents.ideas import Ideator, NoveltyJudge
from agents.paper import PaperDesk
from agents.prompts import code_outline
from agents.run import RunContext
from agents.templates import template_context


def template_text(ctx: RunContext) -> str:
    """The template as ideation's prompts show it: what it is and measures, the baseline's
    results once they exist, and its code in outline (ideas name what to change; the coder,
    who changes it, sees the whole file)."""
    base = ctx.baseline()
    return template_context(ctx.template, ctx.metric, base.final_info if base else None,
                            len(ctx.seeds), {"experiment.py": code_outline(ctx.template.code())})


def ideator(ctx: RunContext) -> Ideator:
    return Ideator(llm=ctx.llm, record=ctx.run.event, area=ctx.template.system_prompt,
                   template=template_text(ctx), seed_ideas=list(ctx.template.seed_ideas),
                   num_ideas=ctx.settings.num_ideas, reflections=ctx.settings.reflections,
                   max_runs=ctx.max_runs)


def novelty_judge(ctx: RunContext) -> NoveltyJudge:
    return NoveltyJudge(llm=ctx.llm, record=ctx.run.event, area=ctx.template.system_prompt,
                        rounds=ctx.settings.novelty_rounds, parallel=ctx.settings.parallel,
                        include_not_novel=ctx.settings.include_not_novel)


def plotter(ctx: RunContext) -> Plotter:
    return Plotter(run=ctx.run, llm=ctx.llm, record=ctx.run.event, jobs=ctx.jobs,
                   limits=ctx.template.limits, area=ctx.template.system_prompt,
                   vision=ctx.settings.vision, figure_fixes=ctx.settings.figure_fixes)


def paper_desk(ctx: RunContext) -> PaperDesk:
    return PaperDesk(run=ctx.run, llm=ctx.llm, record=ctx.run.event, tex=ctx.tex,
                     template=ctx.template, topic=ctx.settings.topic,
                     refine_rounds=ctx.settings.refine_rounds,
                     from_draft=ctx.settings.from_draft)
