"""report.html's guards against run files that may be anything: run.json through its one
reader, and a section its files cannot draw turned into a line (the page goes on)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.run import RunRecord


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def run_record(run_dir: Path) -> tuple[RunRecord | None, str]:
    """run.json through its one reader (``RunRecord``): the record, or None and a line that
    says what is wrong with it."""
    from agents.run import RunRecordError, parse_run_record

    if not (run_dir / "run.json").exists():
        return None, ""
    try:
        return parse_run_record(run_dir / "run.json"), ""
    except RunRecordError as exc:
        return None, f'<p class="bad">{_e(exc)}</p>'


def guard(section: Any, *args: Any) -> str:
    """One section of the page; a section the run's files cannot draw (they are read back and
    may be anything) becomes a line that says so, and the page goes on."""
    try:
        return str(section(*args))
    except (RecursionError, ValueError, TypeError, KeyError, AttributeError, OSError) as exc:
        return (f'<p class="bad">This part of the run could not be drawn from its files '
                f'({_e(type(exc).__name__)}).</p>')
