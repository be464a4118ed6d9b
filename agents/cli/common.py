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

from agents.config.secrets import redact
from agents.domain.status import ExitCode
from agents.errors import AisciError, BudgetExceeded, ConfigError

console = Console()
err = Console(stderr=True)
T = TypeVar("T")

ModelOption = Annotated[str | None, typer.Option(help="litellm model name for every role, e.g. "
                        "gpt-4o, anthropic/claude-sonnet-4-5, ollama_chat/qwen2.5:7b, or 'mock'.")]
ApiBaseOption = Annotated[str | None, typer.Option(help="Base URL of a local or proxy server.")]
RoleModelOption = Annotated[str | None, typer.Option(help="Model for this role only.")]
ConfigOption = Annotated[Path | None, typer.Option(help="Config file (TOML); default ./aisci.toml "
                         "or ~/.config/aisci/config.toml.")]
RunsDirOption = Annotated[Path, typer.Option(help="Where run folders are.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder.")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")]


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
    from agents.run.folder import RunFolder
    from agents.run.record import try_read_run_record
    from agents.run.resume_guard import resume_flags

    record = try_read_run_record(RunFolder(run_dir))
    flags = resume_flags(record.run_settings) if record is not None else ""
    return f" {flags}" if flags else ""


def guarded(fn: Callable[[], T], *, run_dir: Path | None = None) -> T:
    """Run a command body: known errors become one line; unknown ones are logged to the run."""
    from sandbox.base import SandboxError

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
            from agents.run.folder import write_no_follow

            with contextlib.suppress(OSError):  # a link (a tampered folder): not written through
                write_no_follow(run_dir / "error.log", redact(traceback.format_exc()))
            where = f" Details: {run_dir / 'error.log'}."
        raise fail(f"unexpected {type(exc).__name__}: {str(exc)[:300]}.{where}") from None
