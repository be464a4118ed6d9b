"""``aisci run``'s template options, and what the run says about its template before it starts:
the package image (built only with --build-image), the primary metric as far as it is known,
and the compute the plan needs against the template's limits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agents.cli.output import Output
from agents.config import RunSettings

MetricOption = Annotated[str | None, typer.Option(
    "--metric", help="The primary metric (a key of final_info.json's means): over the template's "
    "declaration and the inferred choice.", rich_help_panel="Experiments")]
LowerOption = Annotated[bool, typer.Option(
    "--lower-is-better", help="The primary metric is better when lower (default: the "
    "template's declaration, else told by the metric's name).", rich_help_panel="Experiments")]
HigherOption = Annotated[bool, typer.Option(
    "--higher-is-better", help="The primary metric is better when higher.",
    rich_help_panel="Experiments")]


def direction(lower: bool, higher: bool) -> bool | None:
    """``lower_is_better`` from the two flags (None: neither was given)."""
    from agents.errors import ConfigError

    if lower and higher:
        raise ConfigError("--lower-is-better and --higher-is-better contradict each other: "
                          "give one")
    return True if lower else (False if higher else None)
TimeoutOption = Annotated[float | None, typer.Option(
    "--timeout", min=1, help="Seconds one experiment job may run (default: the timeout_s "
    "of the template's limits in template.toml, else 600).", rich_help_panel="Experiments")]


def before_run(settings: RunSettings, out: Output) -> None:
    """Before anything is created or spent: the template's image (built with consent), then the
    primary metric and the compute, said in a few lines. ``ConfigError``/``TemplateError`` when
    the run cannot go on (an image not built, a metric nothing decides)."""
    from agents.jobs import load_timing, plan_compute
    from agents.templates import load_template
    from agents.workflow import effective_parallel

    if settings.from_scratch:
        return
    template = load_template(settings.template).with_overrides(
        metric=settings.metric, lower_is_better=settings.lower_is_better,
        timeout_s=settings.job_timeout_s)
    if settings.sandbox.value == "docker":
        _packages(template.path, settings.build_image, out)
    timing = load_timing(template.path)
    values = template.baseline_info() or (timing.final_info if timing else None)
    choice = template.metric_choice(values)
    if values is not None and not choice.decided:
        template.metric(values)  # MetricUndecided: one line asking for --metric
    line = choice.line() if choice.decided or values is not None else (
        "Primary metric: chosen from the baseline's results once it has run, before any "
        "model call (`aisci template check --run` shows the choice now).")
    out.info(line, event="metric_choice", metric=choice.name, source=choice.source,
             lower_is_better=choice.lower_is_better, reason=choice.reason)
    parallel = effective_parallel(settings.parallel, template.limits)
    for text in plan_compute(template, settings, timing, parallel=parallel).lines():
        out.info(text, event="compute_plan")


def _packages(folder: Path, build: bool, out: Output) -> None:
    """The template's imports against its image: a missing package stops the run with one line,
    unless --build-image, which lists it in requirements.txt and builds the image."""
    from agents.errors import ConfigError
    from agents.templates import (
        fix_requirements,
        missing_imports,
        read_requirements,
        require_template_image,
    )

    def log(line: str) -> None:
        out.info(line, event="image_build")

    missing = missing_imports(folder).missing
    if missing and not build:
        use = missing[0]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ConfigError(f"{use.file} line {use.line} imports {use.module}, which the sandbox "
                            f"image lacks (package {use.distribution}){more}: pass --build-image "
                            f"to list it in {folder}/requirements.txt and build its image, or run "
                            f"`aisci template check {folder} --fix`")
    if missing:
        fix_requirements(folder, missing, log=log)
    if read_requirements(folder):
        tag = require_template_image(folder, build=build, log=log)
        out.info(f"Packages: {', '.join(read_requirements(folder))} (image {tag})",
                 event="template_image", image=tag)
