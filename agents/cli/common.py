"""What every command shares: the consoles, one-line errors, and the options used twice."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from agents.config import PANELS, redact
from agents.domain import ExitCode
from agents.errors import AisciError, BudgetExceeded, ConfigError

console = Console()
err = Console(stderr=True)
T = TypeVar("T")

#: The panels ``--help`` groups options in (the same names in every command).
MODEL_PANEL, EXPERIMENTS_PANEL, PAPER_PANEL, EXECUTION_PANEL, OUTPUT_PANEL = PANELS

ModelOption = Annotated[str | None, typer.Option(
    help="litellm model name for every role (gpt-4o, ollama_chat/qwen2.5:7b, ...), or mock: "
         "the offline model.", rich_help_panel=MODEL_PANEL)]
ApiBaseOption = Annotated[str | None, typer.Option(
    help="Base URL of a local or proxy server.", rich_help_panel=MODEL_PANEL)]
RoleModelOption = Annotated[str | None, typer.Option(
    help="Model for this role only.", rich_help_panel=MODEL_PANEL)]
ConfigOption = Annotated[Path | None, typer.Option(
    help="Config file (TOML); default ./aisci.toml, else the user's config.toml (see the "
         "README).",
    rich_help_panel=EXECUTION_PANEL)]
RunsDirOption = Annotated[Path | None, typer.Option(
    help="Where run folders are (default: AISCI_RUNS_DIR, else runs_dir in the config, else "
         "~/.local/share/aisci/runs).", show_default=False, rich_help_panel=OUTPUT_PANEL)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder.",
                                           rich_help_panel=OUTPUT_PANEL)]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.",
                                          rich_help_panel=OUTPUT_PANEL)]


def fail(message: str, code: int = ExitCode.failed) -> typer.Exit:
    """Print ``error: message`` (one line, secrets masked) and return the exit to raise."""
    err.print(Text.assemble(("error: ", "red"), redact(message)), highlight=False, soft_wrap=True)
    return typer.Exit(code)


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, ConfigError):
        return ExitCode.bad_input
    if isinstance(exc, BudgetExceeded):
        return ExitCode.budget
    return ExitCode.failed


def _resume_flags(run_dir: Path) -> str:
    from agents.run import RunFolder, resume_flags, try_read_run_record

    record = try_read_run_record(RunFolder(run_dir))
    flags = resume_flags(record.run_settings) if record is not None else ""
    return f" {flags}" if flags else ""


def guarded(fn: Callable[[], T], *, run_dir: Path | None = None) -> T:
    """Run a command body: known errors become one line; unknown ones are logged to the run."""
    from sandbox import SandboxError

    try:
        return fn()
    except (AisciError, SandboxError) as exc:
        raise fail(str(exc), exit_code_for(exc)) from None
    except KeyboardInterrupt:
        hint = f" Continue with: aisci resume {run_dir.name}{_resume_flags(run_dir)}" if run_dir else ""
        raise fail(f"interrupted.{hint}", ExitCode.interrupted) from None
    except typer.Exit:
        raise
    except Exception as exc:
        where = ""
        if run_dir is not None and run_dir.exists():
            from agents.run import write_no_follow

            with contextlib.suppress(OSError):  # a link (a tampered folder): not written through
                write_no_follow(run_dir / "error.log", redact(traceback.format_exc()))
            where = f" Details: {run_dir / 'error.log'}."
        raise fail(f"unexpected {type(exc).__name__}: {str(exc)[:300]}.{where}") from None
