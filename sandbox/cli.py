"""``aisci sandbox build | check | cleanup``: the Docker sandbox from the command line.

Also runnable alone: ``python -m sandbox.cli build``.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sandbox import images
from sandbox.base import SandboxError
from sandbox.conformance import BEHAVIOURS, run_all
from sandbox.docker import DockerSandbox

app = typer.Typer(
    help="The Docker sandbox that runs experiment code: build its image, check its "
         "containment, remove leftover containers.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)

_STATUS_STYLE = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "skip": "[yellow]skip[/]"}


def _fail(exc: BaseException) -> typer.Exit:
    errors.print("error:", str(exc), style="bold red", markup=False, highlight=False,
                 soft_wrap=True)
    return typer.Exit(1)


@app.command()
def build(
    offline: Annotated[bool | None, typer.Option(
        "--offline/--registry",
        help="Build from debootstrap + local wheels, or from python:3.11-slim. "
             "Default: offline when no registry is reachable.")] = None,
) -> None:
    """Build the sandbox image if it is missing (the tag is a hash of its inputs)."""
    start = time.monotonic()
    try:
        tag = images.ensure_image(offline=offline, log=lambda line: console.print(
            line, style="dim", markup=False, highlight=False, soft_wrap=True))
    except SandboxError as exc:
        raise _fail(exc) from None
    console.print(f"[green]{tag}[/] ready ({time.monotonic() - start:.1f} s)")


@app.command()
def check(
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="Run only this behaviour (repeatable).")] = None,
    image: Annotated[str | None, typer.Option(help="Image to check (default: current)")] = None,
) -> None:
    """Run the containment checks against the Docker engine; exit 1 if any fails."""
    known = {b.name for b in BEHAVIOURS}
    unknown = sorted(set(only or []) - known)
    if unknown:
        raise _fail(ValueError(f"unknown behaviour {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(known))}"))
    sandbox = DockerSandbox(image=image)
    table = Table(title=f"sandbox conformance: docker, {sandbox.image}")
    for column in ("behaviour", "result", "seconds", "detail"):
        table.add_column(column, overflow="fold")
    failed = 0
    try:
        sandbox.preflight()
        with console.status("running checks...") as status:
            for result in run_all(sandbox, only):
                status.update(f"{result.name}: {result.status}")
                failed += result.status == "fail"
                detail = result.detail if result.status != "pass" else result.summary
                table.add_row(result.name, _STATUS_STYLE[result.status],
                              f"{result.duration_s:.1f}", Text(detail[:400]))
    except SandboxError as exc:
        raise _fail(exc) from None
    console.print(table)
    if failed:
        raise _fail(RuntimeError(f"{failed} of {table.row_count} sandbox checks failed"))
    console.print(f"[green]all {table.row_count} checks passed[/]")


@app.command()
def cleanup(
    run_id: Annotated[str | None, typer.Option(help="Only this run's containers.")] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="Also remove running jobs of live aisci processes.")] = False,
) -> None:
    """Remove leftover aisci containers and volumes (by label)."""
    try:
        report = DockerSandbox(image="unused").cleanup(run_id, stale_only=not everything)
    except SandboxError as exc:
        raise _fail(exc) from None
    for name in report.containers:
        console.print(f"removed container {name}", markup=False, highlight=False)
    for name in report.volumes:
        console.print(f"removed volume {name}", markup=False, highlight=False)
    console.print(f"{len(report.containers)} containers, {len(report.volumes)} volumes removed")


if __name__ == "__main__":
    app()
