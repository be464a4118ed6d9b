"""``aisci template check DIR``: is this folder a valid experiment template, and does it have
what a run needs (packages, data, metric, LaTeX; with ``--run`` its baseline)?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from agents.cli.common import console, err, guarded
from agents.cli.run_template import HigherOption, LowerOption, MetricOption, TimeoutOption, direction

app = typer.Typer(help="Experiment templates.", no_args_is_help=True)


def template_folder(name_or_path: str) -> Path:
    """A folder as given, else a shipped template of that name (``tiny_mlp``)."""
    from agents.templates import templates_dir

    path = Path(name_or_path)
    if path.is_dir():
        return path
    shipped = templates_dir() / name_or_path
    return shipped if "/" not in name_or_path and shipped.is_dir() else path


@app.command("check")
def template_check(
    path: Annotated[str, typer.Argument(help="Template folder, or a shipped template's name.")],
    fix: Annotated[bool, typer.Option("--fix", help="Write the packages the sandbox image lacks "
                   "into requirements.txt and build the template's image.")] = False,
    run: Annotated[bool, typer.Option("--run", help="Also run the baseline once in the sandbox "
                   "(timed; the run's compute estimate uses the time).")] = False,
    metric: MetricOption = None,
    lower_is_better: LowerOption = False,
    higher_is_better: HigherOption = False,
    timeout: TimeoutOption = None,
) -> None:
    """Is this folder a valid experiment template, and can a run of it work here? Lists every
    problem, then what a run will use (the primary metric, the packages)."""
    from agents.templates import check_template

    folder = template_folder(path)
    problems = check_template(folder)
    if problems:
        from agents.templates import code_findings

        for p in problems:
            err.print(Text.assemble(("✗ ", "red"), p), highlight=False, soft_wrap=True)
        for f in guarded(lambda: code_findings(folder)):  # what else a run would miss
            if f.kind == "problem":
                err.print(Text.assemble(("✗ ", "red"), f.text), highlight=False, soft_wrap=True)
        raise typer.Exit(1)

    def needs() -> int:
        from agents.templates import check_readiness, load_template

        template = load_template(str(folder)).with_overrides(
            metric=metric, lower_is_better=direction(lower_is_better, higher_is_better),
            timeout_s=timeout)
        findings = check_readiness(template, fix=fix, run=run,
                             log=lambda line: console.print(Text(line, style="dim")))
        for f in findings:
            if f.kind == "problem":
                err.print(Text.assemble(("✗ ", "red"), f.text), highlight=False, soft_wrap=True)
            else:
                mark = ("! ", "yellow") if f.kind == "note" else ("· ", "cyan")
                console.print(Text.assemble(mark, f.text), highlight=False, soft_wrap=True)
        if any(f.kind == "problem" for f in findings):
            return 1
        console.print(Text.assemble(("✓ ", "green"), f"{folder} is a valid template"),
                      highlight=False)
        return 0

    raise typer.Exit(guarded(needs))
