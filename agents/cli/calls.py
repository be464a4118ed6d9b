"""``aisci show RUN --calls``: every model call of a run, and ``--call N``: one conversation.

Read from ``events.jsonl`` and the run's transcripts (``agents.llm.transcripts``); both are
untrusted, so every value is shown as plain text (no rich markup from the run's files).
"""

from __future__ import annotations

import json

from rich.table import Table
from rich.text import Text

from agents.cli.common import console
from agents.domain import LLMCall, LLMCallFailed
from agents.errors import ConfigError
from agents.llm import CallRecord, read_calls
from agents.run import RunFolder


def _calls(run_folder: RunFolder) -> list[tuple[LLMCall | LLMCallFailed, CallRecord | None]]:
    records = read_calls(run_folder.path)
    return [(e, records.get(e.call_id or "")) for e in run_folder.events()
            if isinstance(e, LLMCall | LLMCallFailed)]


def show_calls(run_folder: RunFolder) -> None:
    """One row per model call, in order, with where its transcript is."""
    table = Table("#", "stage", "idea", "role", "task", "purpose", "tokens", "s", "ended",
                  "transcript")
    calls = _calls(run_folder)
    for number, (event, record) in enumerate(calls, 1):
        if isinstance(event, LLMCallFailed):
            tokens, seconds, ended = "", "", f"failed: {event.error}"
        else:
            tokens = f"{event.prompt_tokens}+{event.completion_tokens}"
            seconds = "" if event.duration_s is None else str(event.duration_s)
            ended = event.finish_reason
        if record is not None and record.retried:
            ended += f" ({len(record.retried)} retried)"
        where = f"{event.transcript}#{event.call_id}" if record is not None else "-"
        table.add_row(*(Text(str(v)) for v in (
            number, event.stage or "", record.idea if record else "", event.role,
            event.task, record.purpose if record else "", tokens, seconds, ended, where)))
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
        raise ConfigError(f"call {number} ({event.task}) has no transcript in this run")
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
