"""The services each role is given, unpacked from the run's context here: a role function
takes what it uses (a model, where its events go, its settings, the template as its prompts
show it), never the whole ``RunContext``."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Each role's module loads when its role is first built: a fresh run starts its baseline
# while the rest of the workflow loads (``runner.start_baseline``).
from agents import experiment, ideas, paper
from agents.run import RunContext

if TYPE_CHECKING:
    from agents.domain import ExperimentRun
    from agents.experiment import Experimenter, Lab, Plotter
    from agents.ideas import Ideator, NoveltyJudge
    from agents.paper import PaperDesk


def template_text(ctx: RunContext) -> str:
    """The template as ideation's prompts show it: what it is and measures, the baseline's
    results once they exist, and its code in outline (ideas name what to change; the coder,
    who changes it, sees the whole file)."""
    from agents.prompts import code_outline
    from agents.templates import template_context

    base = ctx.baseline()
    return template_context(ctx.template, ctx.metric, base.final_info if base else None,
                            len(ctx.seeds), {"experiment.py": code_outline(ctx.template.code())})


def ideator(ctx: RunContext) -> Ideator:
    return ideas.Ideator(llm=ctx.llm, record=ctx.run.event, area=ctx.template.system_prompt,
                         template=template_text(ctx), seed_ideas=list(ctx.template.seed_ideas),
                         num_ideas=ctx.settings.num_ideas,
                         reflections=ctx.settings.reflections, max_runs=ctx.max_runs)


def novelty_judge(ctx: RunContext) -> NoveltyJudge:
    return ideas.NoveltyJudge(
        llm=ctx.llm, record=ctx.run.event, area=ctx.template.system_prompt,
        rounds=ctx.settings.novelty_rounds, parallel=ctx.settings.parallel,
        include_not_novel=ctx.settings.include_not_novel, topic=ctx.settings.topic)


def plotter(ctx: RunContext) -> Plotter:
    return experiment.Plotter(
        run=ctx.run, llm=ctx.llm, record=ctx.run.event, jobs=ctx.jobs,
        limits=ctx.template.limits, area=ctx.template.system_prompt,
        vision=ctx.settings.vision, figure_fixes=ctx.settings.figure_fixes)


def paper_desk(ctx: RunContext) -> PaperDesk:
    return paper.PaperDesk(
        run=ctx.run, llm=ctx.llm, record=ctx.run.event, tex=ctx.tex, template=ctx.template,
        topic=ctx.settings.topic, refine_rounds=ctx.settings.refine_rounds,
        from_draft=ctx.settings.from_draft)


def lab(ctx: RunContext) -> Lab:
    """Running the template's code (the baseline's, a variant's): no model."""
    return experiment.Lab(
        jobs=ctx.jobs, template=ctx.template, record=ctx.run.event,
        backend=ctx.settings.sandbox.value, seeds=ctx.seeds, baseline=ctx.baseline())


def experimenter(ctx: RunContext) -> Experimenter:
    """An idea's experiment, once the baseline has run (its metric is decided)."""
    return experiment.Experimenter(
        jobs=ctx.jobs, template=ctx.template, record=ctx.run.event,
        backend=ctx.settings.sandbox.value, seeds=ctx.seeds, baseline=ctx.baseline(),
        run=ctx.run, llm=ctx.llm, metric=ctx.metric, max_runs=ctx.max_runs,
        max_attempts=ctx.settings.max_attempts, search=ctx.settings.search,
        tree=ctx.settings.tree)


async def baseline_stage(ctx: RunContext) -> ExperimentRun:
    """The baseline as a stage: its boundary (budget check, ``node_start``), then the run.
    Started early by a fresh run (``runner.start_baseline``) or by the graph's node."""
    ctx.begin("baseline")
    return await experiment.run_baseline(lab(ctx), ctx.run, ctx.settings)
