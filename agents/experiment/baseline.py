"""The baseline: the unmodified template, run once per seed before ideation.

Its numbers go into the ideation and coder prompts, its first metric is the primary metric of
a template that names none, and every idea is compared with it. It runs once per run, in
``baseline/run_0`` (cached like every job), and each idea copies it as its own ``run_0``.
"""

from __future__ import annotations

from agents.domain.experiments import ExperimentRun
from agents.experiment.variants import run_variant
from agents.run.context import BASELINE_RECORD, RunContext
from agents.run.folder import atomic_write_text


async def run_baseline(ctx: RunContext) -> ExperimentRun:
    record = ctx.run.path / BASELINE_RECORD
    existing = ctx.baseline()
    if existing is not None and existing.ok:
        return existing
    variant = await run_variant(ctx, ctx.template.path, record.parent,
                                labels={"idea": "baseline"})
    run = ExperimentRun(index=0, description="Baseline", verdict=variant.verdict,
                        final_info=variant.final_info, stats=variant.stats, seeds=ctx.seeds,
                        duration_s=variant.duration_s, feedback=variant.feedback,
                        image=variant.image, container=variant.container,
                        backend=variant.backend, cached=variant.cached)
    atomic_write_text(record, run.model_dump_json(indent=1))  # the metric can now be read
    run = run.model_copy(update={"primary": ctx.metric.value(run.final_info)})
    atomic_write_text(record, run.model_dump_json(indent=1))
    ctx.run.event("baseline", verdict=run.verdict, primary=run.primary,
                  metric=ctx.metric.name, seeds=len(ctx.seeds))
    return run
