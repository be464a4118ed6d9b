"""The baseline: the unmodified template, run once per seed before ideation.

Its numbers go into the ideation and coder prompts, its metrics are the candidates for the
primary metric of a template that names none (``templates.metric_choice``: the choice and its
reason are recorded and shown before any model call), and every idea is compared with it. It
runs once per run, in ``baseline/run_0`` (cached like every job), and each idea copies it as
its own ``run_0``. Its time is kept (``run.compute``) and the plan's compute said with it.
"""

from __future__ import annotations

from agents.domain import BaselineDone, ComputePlanned, ExperimentRun, MetricChosen
from agents.experiment.variants import run_variant
from agents.jobs import load_timing, plan_compute, save_timing
from agents.run import BASELINE_RECORD, RunContext, atomic_write_text
from agents.templates import MetricUndecided, PrimaryMetric


async def baseline_stage(ctx: RunContext) -> ExperimentRun:
    """The baseline as a stage: its boundary (budget check, ``node_start``), then the run.
    Started early by a fresh run (``runner.start_baseline``) or by the graph's node."""
    ctx.begin("baseline")
    return await run_baseline(ctx)


async def run_baseline(ctx: RunContext) -> ExperimentRun:
    record = ctx.run.path / BASELINE_RECORD
    existing = ctx.baseline()
    if existing is not None and existing.ok:
        metric = _decided_metric(ctx)  # a run resumed after it stopped on its metric
        if existing.primary is None and existing.final_info is not None:
            existing = existing.model_copy(update={"primary": metric.value(existing.final_info)})
            atomic_write_text(record, existing.model_dump_json(indent=1))
        return existing
    variant = await run_variant(ctx, ctx.template.path, record.parent,
                                labels={"idea": "baseline"})
    run = ExperimentRun(index=0, description="Baseline", verdict=variant.verdict,
                        final_info=variant.final_info, stats=variant.stats, seeds=ctx.seeds,
                        duration_s=variant.duration_s, feedback=variant.feedback,
                        image=variant.image, container=variant.container,
                        backend=variant.backend, cached=variant.cached)
    atomic_write_text(record, run.model_dump_json(indent=1))  # the metric can now be read
    run = run.model_copy(update={"notes": _compute_notes(ctx, run)})
    atomic_write_text(record, run.model_dump_json(indent=1))
    if run.final_info is not None:
        choice = ctx.template.metric_choice(run.final_info)
        ctx.run.event(MetricChosen(metric=choice.name, decided=choice.decided,
                                   lower_is_better=choice.lower_is_better, source=choice.source,
                                   reason=choice.reason))
        run = run.model_copy(update={"notes": [choice.line(), *run.notes]})
        atomic_write_text(record, run.model_dump_json(indent=1))
        metric = _decided_metric(ctx)
        run = run.model_copy(update={"primary": metric.value(run.final_info)})
        atomic_write_text(record, run.model_dump_json(indent=1))
    ctx.run.event(BaselineDone(verdict=run.verdict, primary=run.primary,
                               metric=ctx.metric.name, seeds=len(ctx.seeds)))
    return run


def _decided_metric(ctx: RunContext) -> PrimaryMetric:
    """The primary metric; undecided, the run stops here with one line, before any model call."""
    try:
        return ctx.metric
    except MetricUndecided as exc:
        from agents.run import resume_flags

        flags = resume_flags(ctx.settings)
        raise MetricUndecided(f"{exc}; the baseline is kept: aisci resume {ctx.run.id} "
                              f"--metric NAME{' ' + flags if flags else ''} continues") from None


def _compute_notes(ctx: RunContext, run: ExperimentRun) -> list[str]:
    """The baseline's time, measured here once per version of the template's code (unless a
    cached job gave it), and what the plan needs at that rate."""
    timing = load_timing(ctx.template.path)
    if not run.cached and run.verdict in ("ok", "timeout") and run.duration_s > 0:
        timing = save_timing(ctx.template.path, run.duration_s / max(1, len(ctx.seeds)),
                             verdict=run.verdict, by=f"the baseline of run {ctx.run.id}",
                             image=run.image, final_info=run.final_info)
    plan = plan_compute(ctx.template, ctx.settings, timing, parallel=ctx.jobs.parallel,
                        baseline_done=True)
    ctx.run.event(ComputePlanned(seconds_per_job=timing.seconds if timing else None,
                                 jobs=plan.jobs, parallel=plan.parallel, total_s=plan.total_s,
                                 limits=plan.limits, warnings=plan.warnings))
    return plan.lines()
