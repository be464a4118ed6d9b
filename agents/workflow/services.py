"""What a run's nodes are given besides its folder and model: its template (with the run's
overrides), the job runner and TeX that follow from it, and the cost estimates per stage. A
template-free run gets them once its ``scaffold`` node has written the template
(``adopt_template``)."""

from __future__ import annotations

import os
from pathlib import Path

from agents.config import RunSettings
from agents.cost import run_estimate
from agents.jobs import JobRunner
from agents.paper import Tex
from agents.run import RunContext, RunFolder
from agents.templates import Template, load_template
from sandbox import Limits, Sandbox


def stage_estimates(settings: RunSettings, template_max_runs: int) -> dict[str, float]:
    """Expected cost of one node of each stage (per-idea stages run once per idea)."""
    by_stage = run_estimate(settings, settings.max_runs or template_max_runs).by_stage
    per_idea = {"experiment", "plot", "write_paper", "review", "revise"}
    return {stage: cost / (settings.num_ideas if stage in per_idea else 1)
            for stage, cost in by_stage.items()}


def effective_parallel(requested: int, limits: Limits) -> int:
    """Jobs run at once: what was asked, within this machine's CPUs and memory."""
    by_cpu = int((os.cpu_count() or 1) // limits.cpus) or 1
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):  # not a POSIX system: trust the request
        return requested
    by_memory = int(memory_mb * 0.8 // limits.memory_mb) or 1
    return max(1, min(requested, by_cpu, by_memory))


def make_sandbox(backend: str, *, executor: str = "local", ray_address: str | None = None) -> Sandbox:
    """The sandbox that runs this run's jobs: Docker (here, or on the nodes of a Ray cluster),
    or the host (``local``)."""
    if executor == "ray":
        from sandbox import RaySandbox

        return RaySandbox(address=ray_address)
    if backend == "local":
        from sandbox import LocalSandbox

        return LocalSandbox()
    from sandbox import DockerSandbox

    return DockerSandbox()


def make_tex(settings: RunSettings, jobs: JobRunner) -> Tex:
    """TeX and poppler in the paper image through the run's jobs, or on the host when asked."""
    if settings.tex_on_host:
        return Tex.host()
    if settings.sandbox.value != "docker":  # experiments on the host, TeX still in a container
        jobs = JobRunner(make_sandbox("docker"), jobs.cache_dir, parallel=1, run_id=jobs.run_id,
                         event=jobs.event)
    return Tex.sandboxed(jobs)


def template_image(settings: RunSettings, folder: Path) -> str | None:
    """The derived image of a template that lists packages (Docker only; it must be built:
    ``aisci run`` builds it first with --build-image)."""
    from agents.templates import read_requirements, require_template_image

    if settings.sandbox.value != "docker" or not read_requirements(folder):
        return None
    return require_template_image(folder)


def run_template(settings: RunSettings, folder: str | Path) -> Template:
    """The template at ``folder`` with what the run overrides (metric, its direction, the
    job timeout)."""
    return load_template(str(folder)).with_overrides(
        metric=settings.metric, lower_is_better=settings.lower_is_better,
        timeout_s=settings.job_timeout_s)


def parallel_for(settings: RunSettings, template: Template) -> int:
    """Jobs at once: a Ray cluster's CPUs decide there; here, this machine's."""
    return (settings.parallel if settings.executor.value == "ray"
            else effective_parallel(settings.parallel, template.limits))


def job_runner(run: RunFolder, settings: RunSettings, sandbox: Sandbox,
               template: Template | None) -> JobRunner:
    """The run's job runner: the template's parallelism and image (one job at a time, the
    plain sandbox image, while a template-free run has no template yet)."""
    return JobRunner(sandbox, run.file("cache", "sandbox"),
                     parallel=parallel_for(settings, template) if template is not None else 1,
                     run_id=run.id, event=run.event,
                     image=template_image(settings, template.path) if template is not None
                     else None, output=run.job_output)


def adopt_template(ctx: RunContext, folder: Path) -> None:
    """A template-free run's template, once written: the context's settings, template, jobs,
    TeX and estimates follow it from here on."""
    settings = ctx.settings.model_copy(update={"template": str(folder)})
    template = run_template(settings, folder)
    jobs = job_runner(ctx.run, settings, ctx.jobs.sandbox, template)
    ctx.settings, ctx.template, ctx.jobs = settings, template, jobs
    ctx.tex = make_tex(settings, jobs)
    ctx.stage_estimates = stage_estimates(settings, template.max_runs)
