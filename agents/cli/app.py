"""The ``aisci`` command: the command groups of this folder, wired together.

Heavy imports (litellm, langgraph, docker) happen inside commands, so ``aisci --help`` answers
at once. Errors are one line and a non-zero exit, never a traceback; a bad option value is one
line too, naming the choices.
"""

from __future__ import annotations

import gc
import signal
import sys
from typing import Annotated, Any

import typer
from rich.text import Text

# typer 0.29 vendors click: its usage errors live here (the version is pinned in pyproject).
from typer._click.exceptions import UsageError

from agents.cli import compare, doctor, inspect, lit, resume, review, run, sandbox, template, track
from agents.cli.common import err
from agents.domain import ExitCode

app = typer.Typer(help="aisci: an AI scientist. Ideas, literature, sandboxed experiments, "
                       "a LaTeX paper and its reviews, from one topic.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
for group in (run.app, resume.app, inspect.app, compare.app, track.app, doctor.app, review.app):
    app.registered_commands += group.registered_commands


def _version(value: bool) -> None:
    if value:
        from agents import __version__

        print(f"aisci {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """aisci: an AI scientist. Ideas, literature, sandboxed experiments, a LaTeX paper and its
    reviews, from one topic."""


app.add_typer(template.app, name="template")
app.add_typer(sandbox.app, name="sandbox", help="Build, check and clean up the Docker sandbox.")
app.add_typer(lit.app, name="lit", help="The literature library: search it, import your own.")


def _terminate(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: no container is left behind


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = _main()
    finally:
        # The interpreter's exit collects every object of every imported module (LangGraph,
        # pydantic, docker...): 0.2 s after a run. Frozen, they are freed without that walk.
        gc.freeze()
    sys.exit(code)


def _main() -> int:
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:  # a bad flag or value: one line, with the choices
        err.print(Text.assemble(("error: ", "red"), exc.format_message()), soft_wrap=True)
        return ExitCode.bad_input
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return ExitCode.interrupted
    except KeyboardInterrupt:
        return ExitCode.interrupted
    return code if isinstance(code, int) else 0
