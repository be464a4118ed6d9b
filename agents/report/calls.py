"""report.html's "Model calls" section: every conversation with a model, per idea and stage.

Built from ``events.jsonl`` (the order of the calls, and which were errors) joined with the
run's transcripts (``agents.llm.transcripts``) by ``call_id``. Each call is a collapsed block
(no script: ``<details>``) whose summary says its task, role, why it was made (a first try, a
repair, more room), tokens, seconds and how it ended, and whose body shows every message sent
and the reply, or the error. Transient faults retried on the way are listed. A system prompt
repeated word for word is shown once and referred to after that. Every value is escaped: the
files are untrusted.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from agents.domain import LLMCall, LLMCallFailed
from agents.llm import CallRecord, file_for, read_calls
from agents.run import read_events

CALLS_ID = "calls"
CALLS_CSS = """
details.call{border:1px solid #ddd;border-radius:4px;margin:.35em 0;padding:.2em .6em}
details.call>summary{cursor:pointer}details.call[open]>summary{margin-bottom:.4em}
.msg{margin:.4em 0}.msg>b{display:inline-block;min-width:6em;color:#555}
.msg pre{white-space:pre-wrap;word-break:break-word;margin:.2em 0;max-height:40em;overflow-y:auto}
.msg.reply pre{background:#eef7ee}.msg.error pre{background:#fbecea}
.purpose{font-weight:600;color:#8a5300}.retried{color:#8a5300}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _call_events(run_dir: Path) -> list[LLMCall | LLMCallFailed]:
    return [e for e in read_events(run_dir) if isinstance(e, LLMCall | LLMCallFailed)]


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def anchor(idea: str) -> str:
    """The id of an idea's part of the section ("" for the calls outside any idea)."""
    return f"{CALLS_ID}-{idea}" if idea else f"{CALLS_ID}-run"


def calls_link(run_dir: Path) -> str:
    """One line near the top of the report that leads to the calls, or "" when none."""
    events = _call_events(run_dir)
    if not events:
        return ""
    kept = sum(1 for e in events if e.call_id)
    return (f'<p><a href="#{CALLS_ID}">Model calls: {len(events)}</a> '
            f'<span class="muted">({kept} with their prompts and replies kept in '
            f'<code>transcripts/</code>)</span></p>')


def idea_calls_link(run_dir: Path, idea: str) -> str:
    """A link from an idea's part of the report to its model calls, or "" when none was kept."""
    if not (run_dir / file_for(idea)).is_file():
        return ""
    return (f'<p><a href="#{_e(anchor(idea))}">This idea\'s model calls</a> '
            f'<span class="muted">(every prompt and reply)</span></p>')


def calls_section(run_dir: Path) -> str:
    """Every model call of the run, grouped by idea and stage, in the order they were made."""
    events = _call_events(run_dir)
    if not events:
        return ""
    records = read_calls(run_dir)
    groups: dict[str, dict[str, list[tuple[int, LLMCall | LLMCallFailed, CallRecord | None]]]] = {}
    for number, event in enumerate(events, 1):
        record = records.get(event.call_id or "")
        idea = record.idea if record is not None else ""
        stage = event.stage or (record.stage if record else "") or "?"
        groups.setdefault(idea, {}).setdefault(stage, []).append((number, event, record))
    seen: dict[str, int] = {}  # a system prompt's text -> the call that showed it
    parts = [f'<h2 id="{CALLS_ID}">Model calls</h2>',
             '<p class="muted">Every request to a model, in order: what it was sent and what it '
             'answered (keys and URL credentials masked). Repairs, asks for more room and '
             'retried faults are marked.</p>']
    for idea, stages in sorted(groups.items(), key=lambda item: item[0] != ""):
        count = sum(len(calls) for calls in stages.values())
        title = f"idea {idea}" if idea else "the run (outside any idea)"
        parts.append(f'<h3 id="{_e(anchor(idea))}">{_e(title)} <span class="muted">'
                     f'({count} calls)</span></h3>')
        for stage, calls in stages.items():
            parts.append(f"<h4>{_e(stage)}</h4>")
            parts += [_call(number, event, record, seen) for number, event, record in calls]
    return "\n".join(parts)


def _call(number: int, event: LLMCall | LLMCallFailed, record: CallRecord | None,
          seen: dict[str, int]) -> str:
    purpose = record.purpose if record is not None else "first"
    marks = [f"#{number}", _e(event.task), _e(event.role)]
    if purpose != "first":
        marks.append(f'<span class="purpose">{_e(purpose)}</span>')
    if isinstance(event, LLMCallFailed):
        marks.append(f'<span class="bad">failed: {_e(event.error)}</span>')
    else:
        marks.append(f"{event.prompt_tokens} + {event.completion_tokens} tokens")
        marks.append(f"{_e('?' if event.duration_s is None else event.duration_s)} s")
        finish = event.finish_reason
        if finish and finish != "stop":
            marks.append(f'<span class="purpose">{_e(finish)}</span>')
    if record is not None and record.retried:
        marks.append(f'<span class="retried">{len(record.retried)} retried</span>')
    summary = " · ".join(marks)
    if record is None:
        return (f'<details class="call" id="call-{number}"><summary>{summary}</summary>'
                f'<p class="muted">No transcript was kept for this call.</p></details>')
    body = []
    for message in record.messages:
        role = str(message.get("role", "?"))
        text = _text(message.get("content", ""))
        if role == "system" and text in seen:
            body.append(f'<div class="msg system"><b>system</b> <span class="muted">the same '
                        f'system prompt as <a href="#call-{seen[text]}">call #{seen[text]}</a>'
                        f'</span></div>')
            continue
        if role == "system":
            seen[text] = number
        body.append(f'<div class="msg {_e(role)}"><b>{_e(role)}</b><pre>{_e(text)}</pre></div>')
    for fault in record.retried:
        body.append(f'<div class="msg retried"><b>retried</b> {_e(fault)}</div>')
    if record.reply is not None:
        body.append(f'<div class="msg reply"><b>reply</b><pre>{_e(record.reply)}</pre></div>')
    if record.error is not None:
        body.append(f'<div class="msg error"><b>error</b><pre>{_e(record.error)}</pre></div>')
    return (f'<details class="call" id="call-{number}" data-call="{_e(record.call_id)}">'
            f'<summary>{summary}</summary>{"".join(body)}</details>')
