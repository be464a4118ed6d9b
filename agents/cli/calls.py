"""``aisci show RUN --calls``: every model call of a run, and ``--call N``: one conversation.

Read from ``events.jsonl`` and the run's transcripts (``agents.llm.transcripts``); both are
untrusted, so every value is shown as plain text (no rich markup from the run's files).
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table
from rich.text import Text

from agents.cli.common import console
from agents.errors import ConfigError
from agents.llm import CallRecord, read_calls
from agents.run import RunFolder


def _calls(run_folder: RunFolder) -> list[tuple[dict[str, Any], CallRecord | None]]:
    records = read_calls(run_folder.path)
    return [(e, records.get(str(e.get("call_id", "")))) for e in run_folder.events()
            if e.get("type") in ("llm_call", "llm_error")]


def show_calls(run_folder: RunFolder) -> None:
    """One row per model call, in order, with where its transcript is."""
    table = Table("#", "stage", "idea", "role", "task", "purpose", "tokens", "s", "ended",
                  "transcript")
    calls = _calls(run_folder)
    for number, (event, record) in enumerate(calls, 1):
        failed = event.get("type") == "llm_error"
        tokens = "" if failed else f"{event.get('prompt_tokens', 0)}+{event.get('completion_tokens', 0)}"
        ended = f"failed: {event.get('error', '?')}" if failed else str(event.get("finish_reason", ""))
        if record is not None and record.retried:
            ended += f" ({len(record.retried)} retried)"
        where = f"{event.get('transcript')}#{event.get('call_id')}" if record is not None else "-"
        table.add_row(*(Text(str(v)) for v in (
            number, event.get("stage", ""), record.idea if record else "", event.get("role", ""),
            event.get("task", ""), record.purpose if record else "", tokens,
            event.get("duration_s", "") if not failed else "", ended, where)))
    console.print(table)
    kept = sum(1 for _e, r in calls if r is not None)
    console.print(Text(f"{len(calls)} model calls, {kept} with their transcript; one "
                       f"conversation: aisci show {run_folder.id} --call N"))


def show_call(run_folder: RunFolder, number: int) -> None:
    """The messages and the reply of call ``number`` (as listed by ``--calls``)."""
    calls = _calls(run_folder)
    if not 1 <= number <= len(calls):
        raise ConfigError(f"{run_folder.id} has {len(calls)} model calls: --call takes 1 to "
                          f"{len(calls)}")
    event, record = calls[number - 1]
    if record is None:
        raise ConfigError(f"call {number} ({event.get('task')}) has no transcript in this run")
    console.print(Text(f"call {number}: {record.stage} · {record.idea or 'run'} · {record.role} · "
                       f"{record.task} · {record.purpose} · {record.model}", style="bold"))
    for message in record.messages:
        content = message.get("content", "")
        text = content if isinstance(content, str) else json.dumps(content, indent=1)
        console.print(Text(f"--- {message.get('role', '?')} ---", style="cyan"))
        console.print(Text(text))
    for fault in record.retried:
        console.print(Text(f"--- retried --- {fault}", style="yellow"))
    if record.reply is not None:
        console.print(Text("--- reply ---", style="green"))
        console.print(Text(record.reply))
    if record.error is not None:
        console.print(Text("--- error ---", style="red"))
        console.print(Text(record.error))
