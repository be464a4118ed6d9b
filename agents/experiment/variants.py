"""Run one variant of an idea's code: one sandbox job per seed, then the statistics over seeds.

A variant's folder (``run_<k>/``) holds each seed's output in ``seed_<s>/``, the mean result
over the seeds as ``final_info.json`` (the template's ``plot.py`` reads that), the first seed's
other files (curves, arrays) beside it, ``stats.json`` (per group and metric: n, mean, std and
the 95 % interval) and ``sandbox.json`` (each seed's verdict). The seeds are independent jobs:
they run in parallel, within the run's concurrency limit, and are cached like every job.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import NamedTuple

from agents.domain import FinalInfo, GraderChanged, GraderRefused, ResultsError, RunStats, SandboxRun
from agents.experiment.grading import check_job, prepare_job, test_command
from agents.experiment.lab import Lab
from agents.experiment.statistics import summarize
from agents.jobs import JobOutcome
from agents.run import (
    atomic_write_json,
    atomic_write_text,
    copy_file,
    copy_tree,
    read_json,
    regular_files,
)
from sandbox import SandboxResult, Verdict

#: What is never copied from a code folder into a job (results, papers, figures, caches).
COPY_IGNORE = shutil.ignore_patterns("run_*", "latex", "*.png", "__pycache__", "*.diff", ".*",
                                     "seed_*")
OUT = "out"


class SeedResult(NamedTuple):
    seed: int
    result: SandboxResult
    info: FinalInfo | None
    cached: bool


class VariantResult(NamedTuple):
    verdict: Verdict
    final_info: FinalInfo | None
    stats: RunStats | None
    feedback: str
    duration_s: float
    cached: bool
    image: str | None
    container: str | None
    backend: str


def code_files(code_dir: Path) -> list[str]:
    """The code's Python files (regular files reached without following a link)."""
    return sorted(str(p.relative_to(code_dir)) for p in regular_files(code_dir, "*.py"))


def _seeded_job(lab: Lab, job_dir: Path, seed: int) -> list[str]:
    """The job's command for ``seed``; a knob seed is written into the job's copy."""
    command = ["python", "experiment.py", f"--out_dir={OUT}"]
    control = lab.template.seed
    if control.argument:
        command.append(f"{control.argument}={seed}")
    elif control.knob:
        path = job_dir / "experiment.py"
        source = path.read_text(encoding="utf-8")
        pattern = re.compile(rf"^{re.escape(control.knob)}\s*=.*$", re.MULTILINE)
        path.write_text(pattern.sub(f"{control.knob} = {seed}", source, count=1), encoding="utf-8")
    return command


async def _one_seed(lab: Lab, code_dir: Path, dest: Path, seed: int,
                    labels: dict[str, str], test: bool) -> SeedResult:
    job_dir = dest.parent / ".jobs" / f"{dest.name}_seed_{seed}"
    shutil.rmtree(job_dir, ignore_errors=True)
    copy_tree(code_dir, job_dir, ignore=COPY_IGNORE)
    (job_dir / OUT).mkdir(exist_ok=True)  # a template may create it too; one that forgets runs
    readonly = prepare_job(lab.template, job_dir, test=test)
    command = _seeded_job(lab, job_dir, seed) + (test_command(lab.template) if test else [])
    what = f"{dest.name}/seed_{seed}"
    changed = check_job(lab.template, job_dir, test=test)
    if changed:  # never run: its numbers could not be used
        outcome = JobOutcome(SandboxResult(
            verdict="grader_changed", backend=lab.backend,
            detail="the code's grader is not the template's: " + "; ".join(changed)), False)
        lab.record(SandboxRun(idea=labels.get("idea"), run=what, verdict="grader_changed",
                              cached=False, detail=outcome.result.detail))
    else:
        outcome = await lab.jobs.run(job_dir, command, lab.template.limits, labels=labels,
                                     outputs=OUT, expected_files=(f"{OUT}/final_info.json",),
                                     what=what, readonly=tuple(readonly))
        changed = check_job(lab.template, job_dir, test=test)
        if changed and outcome.result.verdict != "grader_changed":
            outcome = JobOutcome(outcome.result.model_copy(update={
                "verdict": "grader_changed",
                "detail": "after the job, its grader is not the template's: "
                          + "; ".join(changed)}), outcome.cached)
            lab.record(GraderChanged(idea=labels.get("idea"), run=what,
                                     backend=outcome.result.backend,
                                     detail=outcome.result.detail[:500]))
    result, info = outcome.result, None
    if result.ok:
        try:
            info = FinalInfo.parse(read_json(job_dir / OUT / "final_info.json"))
        except (ResultsError, ValueError, OSError) as exc:
            result = result.model_copy(update={"verdict": "missing_results",
                                               "detail": f"final_info.json: {exc}"})
    seed_dir = dest / f"seed_{seed}"
    shutil.rmtree(seed_dir, ignore_errors=True)
    if (job_dir / OUT).is_dir():
        shutil.move(str(job_dir / OUT), seed_dir)
    seed_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(seed_dir / "stdout.txt", result.stdout_tail)
    atomic_write_text(seed_dir / "stderr.txt", result.stderr_tail)
    shutil.rmtree(job_dir, ignore_errors=True)
    return SeedResult(seed, result, info, outcome.cached)


def _dropped_groups(lab: Lab, info: FinalInfo) -> list[str]:
    base = lab.baseline
    if base is None or base.final_info is None:
        return []
    return [g for g in base.final_info.groups if g not in info.groups]


async def run_variant(lab: Lab, code_dir: Path, dest: Path, *, labels: dict[str, str],
                      seeds: list[int] | None = None, test: bool = False) -> VariantResult:
    """Run ``code_dir`` once per seed (the run's, unless ``seeds`` are given) into ``dest``;
    ok only when every seed is. ``test``: the held-out test job (see ``heldout``)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    results = await asyncio.gather(*(_one_seed(lab, code_dir, dest, s, labels, test)
                                     for s in (seeds or lab.seeds)))
    atomic_write_json(dest / "sandbox.json", [{"seed": s.seed, **s.result.model_dump(
        exclude={"stdout_tail", "stderr_tail"})} for s in results])
    failed = next((s for s in results if not s.result.ok), None)
    first = results[0]
    for item in (dest / f"seed_{first.seed}").iterdir():  # curves and arrays, for plot.py
        target = dest / item.name
        if item.is_symlink() or item.name == "final_info.json":
            continue
        if item.is_file():
            copy_file(item, target)
        elif item.is_dir():
            copy_tree(item, target, dirs_exist_ok=True)
    duration = sum(s.result.duration_s for s in results)
    def result(verdict: Verdict, info: FinalInfo | None, stats: RunStats | None,
               feedback: str) -> VariantResult:
        return VariantResult(verdict=verdict, final_info=info, stats=stats, feedback=feedback,
                             duration_s=round(duration, 3), cached=all(s.cached for s in results),
                             image=first.result.image, container=first.result.container,
                             backend=first.result.backend)

    if failed is not None:
        feedback = failed.result.feedback()
        if len(results) > 1:
            feedback = f"seed {failed.seed}: {feedback}"
        return result(failed.result.verdict, None, None, feedback)
    mean_info, stats = summarize([s.info for s in results if s.info is not None],
                                 lab.template.metric_ranges)
    dropped = _dropped_groups(lab, mean_info)
    if dropped:  # a variant is judged on every group the baseline has, not on those it keeps
        reason = (f"the results lack the baseline's group(s) {', '.join(dropped)}: a variant "
                  f"must report every group the baseline reports (new groups may be added)")
        lab.record(GraderRefused(idea=labels.get("idea"), run=dest.name,
                                 stage="results", reason=reason))
        return result("missing_results", None, None, reason)
    atomic_write_json(dest / "final_info.json", mean_info)
    atomic_write_json(dest / "stats.json", stats)
    return result("ok", mean_info, stats, "")
