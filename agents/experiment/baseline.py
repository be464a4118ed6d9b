"""The baseline: the unmodified template, run once per seed before ideation.

Its numbers go into the ideation and coder prompts, its metrics are the candidates for the
primary metric of a template that names none (``templates.metric_choice``: the choice and its
reason are recorded and shown before any model call), and every idea is compared with it. It
runs once per run, in ``baseline/run_0`` (cached like every job), and each idea copies it as
its own ``run_0``. Its time is kept (``run.compute``) and the plan's compute said with it.
"""

from __future__ import annotations

from agents.config import RunSettings
from agents.domain import BaselineDone, ComputePlanned, ExperimentRun, MetricChosen
from agents.experiment.lab import Lab
from agents.experiment.variants import run_variant
from agents.jobs import load_timing, plan_compute, save_timing
from agents.run import BASELINE_RECORD, RunFolder, atomic_write_text, resume_flags
from agents.templates import MetricUndecided, PrimaryMetric


async def run_baseline(lab: Lab, run: RunFolder, settings: RunSettings) -> ExperimentRun:
    """The baseline's record in ``run``, made here (a resumed run keeps a baseline that ran:
    ``lab.baseline``). ``settings``: for the compute plan and the resume command."""
    record = run.path / BASELINE_RECORD
    existing = lab.baseline
    if existing is not None and existing.ok:
        metric = _decided_metric(lab, existing, run, settings)  # resumed after its metric stop
        if existing.primary is None and existing.final_info is not None:
            existing = existing.model_copy(update={"primary": metric.value(existing.final_info)})
            atomic_write_text(record, existing.model_dump_json(indent=1))
        return existing
    variant = await run_variant(lab, lab.template.path, record.parent,
                                labels={"idea": "baseline"})
    made = ExperimentRun(index=0, description="Baseline", verdict=variant.verdict,
                         final_info=variant.final_info, stats=variant.stats, seeds=lab.seeds,
                         duration_s=variant.duration_s, feedback=variant.feedback,
                         image=variant.image, container=variant.container,
                         backend=variant.backend, cached=variant.cached)
    atomic_write_text(record, made.model_dump_json(indent=1))  # the metric can now be read
    made = made.model_copy(update={"notes": _compute_notes(lab, made, run, settings)})
    atomic_write_text(record, made.model_dump_json(indent=1))
    if made.final_info is not None:
        choice = lab.template.metric_choice(made.final_info)
        lab.record(MetricChosen(metric=choice.name, decided=choice.decided,
                                lower_is_better=choice.lower_is_better, source=choice.source,
                                reason=choice.reason))
        made = made.model_copy(update={"notes": [choice.line(), *made.notes]})
        atomic_write_text(record, made.model_dump_json(indent=1))
        metric = _decided_metric(lab, made, run, settings)
        made = made.model_copy(update={"primary": metric.value(made.final_info)})
        atomic_write_text(record, made.model_dump_json(indent=1))
    lab.record(BaselineDone(verdict=made.verdict, primary=made.primary,
                            metric=lab.template.metric(made.final_info).name,
                            seeds=len(lab.seeds)))
    return made


def _decided_metric(lab: Lab, base: ExperimentRun, run: RunFolder,
                    settings: RunSettings) -> PrimaryMetric:
    """The primary metric; undecided, the run stops here with one line, before any model call."""
    try:
        return lab.template.metric(base.final_info)
    except MetricUndecided as exc:
        flags = resume_flags(settings)
        raise MetricUndecided(f"{exc}; the baseline is kept: aisci resume {run.id} "
                              f"--metric NAME{' ' + flags if flags else ''} continues") from None


def _compute_notes(lab: Lab, made: ExperimentRun, run: RunFolder,
                   settings: RunSettings) -> list[str]:
    """The baseline's time, measured here once per version of the template's code (unless a
    cached job gave it), and what the plan needs at that rate."""
    timing = load_timing(lab.template.path)
    if not made.cached and made.verdict in ("ok", "timeout") and made.duration_s > 0:
        timing = save_timing(lab.template.path, made.duration_s / max(1, len(lab.seeds)),
                             verdict=made.verdict, by=f"the baseline of run {run.id}",
                             image=made.image, final_info=made.final_info)
    plan = plan_compute(lab.template, settings, timing, parallel=lab.jobs.parallel,
                        baseline_done=True)
    lab.record(ComputePlanned(seconds_per_job=timing.seconds if timing else None,
                              jobs=plan.jobs, parallel=plan.parallel, total_s=plan.total_s,
                              limits=plan.limits, warnings=plan.warnings))
    return plan.lines()
