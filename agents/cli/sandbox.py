"""``aisci sandbox build | check | cleanup``: the Docker sandbox from the command line."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from agents.cli.common import console, fail
from sandbox import BEHAVIOURS, DockerSandbox, SandboxError, images, run_all

app = typer.Typer(
    help="The Docker sandbox that runs experiment code: build its image, check its "
         "containment, remove leftover containers.",
    no_args_is_help=True,
)
_STATUS_STYLE = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "skip": "[yellow]skip[/]"}


@app.command()
def build(
    offline: Annotated[bool | None, typer.Option(
        "--offline/--registry",
        help="Build on a debootstrap base (local wheels; TeX from the Debian mirror), or on "
             "python:3.11-slim and debian:bookworm-slim. "
             "Default: offline when no registry is reachable.")] = None,
) -> None:
    """Build the experiment and paper images if they are missing (tags hash their inputs)."""

    def log(line: str) -> None:
        console.print(line, style="dim", markup=False, highlight=False, soft_wrap=True)

    for ensure in (images.ensure_image, images.ensure_paper_image):
        start = time.monotonic()
        try:
            tag = ensure(offline=offline, log=log)
        except SandboxError as exc:
            raise fail(str(exc)) from None
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
        raise fail(f"unknown behaviour {', '.join(unknown)}; known: {', '.join(sorted(known))}", 2)
    sandbox = DockerSandbox(image=image)
    table = Table(title=f"sandbox conformance: docker, {sandbox.image}, "
                        f"{images.paper_image_tag()}")
    for column in ("area", "behaviour", "result", "seconds", "detail"):
        table.add_column(column, overflow="fold")
    failed = 0
    try:
        sandbox.preflight()
        with console.status("running checks...") as status:
            for result in run_all(sandbox, only):
                status.update(f"{result.name}: {result.status}")
                failed += result.status == "fail"
                detail = result.detail if result.status != "pass" else result.summary
                table.add_row(result.area, result.name, _STATUS_STYLE[result.status],
                              f"{result.duration_s:.1f}", Text(detail[:400]))
    except SandboxError as exc:
        raise fail(str(exc)) from None
    console.print(table)
    if failed:
        raise fail(f"{failed} of {table.row_count} sandbox checks failed")
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
        raise fail(str(exc)) from None
    for name in report.containers:
        console.print(f"removed container {name}", markup=False, highlight=False)
    for name in report.volumes:
        console.print(f"removed volume {name}", markup=False, highlight=False)
    console.print(f"{len(report.containers)} containers, {len(report.volumes)} volumes removed")

