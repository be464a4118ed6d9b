"""Every model call on the record: what the model was asked, and what it answered.

Each call of ``LLMClient.complete`` (first tries, repairs, asks for more room, failures) is
one line of a JSONL file in the run folder: ``transcripts/run.jsonl`` for the calls outside an
idea (ideation, novelty, a from-scratch template), ``transcripts/idea-<name>.jsonl`` for each
idea's branch (experiments, plots, paper, reviews). Its ``llm_call`` (or ``llm_error``) event
names the file and the call's ``call_id``. The files are only appended to, so a resumed run
keeps its earlier calls. Keys and URL credentials are masked (``agents.config.secrets``) before
anything is written; images are replaced by a note of their size.

    >>> from pathlib import Path; import tempfile
    >>> book = Transcripts(Path(tempfile.mkdtemp()))
    >>> link = book.record(CallRecord(role="coder", task="edit", model="m",
    ...                               messages=[{"role": "user", "content": "hi"}], reply="ok"))
    >>> link["transcript"], len(read_calls(book.root.parent))
    ('transcripts/run.jsonl', 1)
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.config import redact

TRANSCRIPTS = "transcripts"
RUN_FILE = "run.jsonl"
#: The characters of one transcript line that are read back (a larger line is skipped).
MAX_LINE = 4_000_000


class CallRecord(BaseModel):
    """One model call: the messages sent, the reply (or the error), and how it went."""

    model_config = ConfigDict(extra="ignore")

    call_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    ts: float = Field(default_factory=lambda: round(time.time(), 3))
    stage: str = ""
    idea: str = ""  # "" outside an idea's branch
    role: str
    task: str
    #: Why this call was made: "first", "repair 1", "more room" (a cut-off reply), ...
    purpose: str = "first"
    model: str
    messages: list[dict[str, Any]]
    reply: str | None = None
    finish_reason: str = ""
    error: str | None = None
    #: Transient faults retried before this call's answer (or its failure), in order.
    retried: list[str] = Field(default_factory=list)
    constrained: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    duration_s: float = 0.0


def file_for(idea: str) -> str:
    """The transcript file of an idea's branch (or of the run), relative to the run folder."""
    if not idea:
        return f"{TRANSCRIPTS}/{RUN_FILE}"
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", idea).strip("._")[:80] or "unnamed"
    return f"{TRANSCRIPTS}/idea-{safe}.jsonl"


def clean_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages as they may be written: secrets masked, images replaced by a note."""
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            parts: list[dict[str, Any]] = []
            for part in content:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "text":
                    parts.append({"type": "text", "text": redact(str(part.get("text", "")))})
                else:
                    size = len(json.dumps(part, default=str))
                    parts.append({"type": "text",
                                  "text": f"[{part.get('type', 'part')}: {size} characters not kept]"})
            content = parts
        else:
            content = redact(str(content or ""))
        out.append({"role": str(message.get("role", "?")), "content": content})
    return out


class Transcripts:
    """Appends call records under ``run_dir/transcripts`` (thread-safe, one write per line)."""

    def __init__(self, run_dir: Path) -> None:
        self.root = run_dir / TRANSCRIPTS
        self._lock = threading.Lock()

    def record(self, call: CallRecord) -> dict[str, str]:
        """Write ``call`` (redacted) and return the fields that link its event to it."""
        rel = file_for(call.idea)
        safe = call.model_copy(update={
            "messages": clean_messages(call.messages),
            "reply": redact(call.reply) if call.reply is not None else None,
            "error": redact(call.error) if call.error is not None else None,
            "retried": [redact(r) for r in call.retried]})
        line = safe.model_dump_json() + "\n"
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            with (self.root.parent / rel).open("a", encoding="utf-8") as f:
                f.write(line)
        return {"call_id": call.call_id, "transcript": rel}


def read_calls(run_dir: Path) -> dict[str, CallRecord]:
    """Every call record of a run, by ``call_id``. The files are untrusted: a line that does
    not parse as a record is skipped, and only ``transcripts/*.jsonl`` files are read."""
    folder = run_dir / TRANSCRIPTS
    calls: dict[str, CallRecord] = {}
    if not folder.is_dir() or folder.is_symlink():
        return calls
    for path in sorted(folder.glob("*.jsonl")):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if len(line) > MAX_LINE:
                    continue
                try:
                    call = CallRecord.model_validate_json(line)
                except ValidationError:
                    continue
                calls[call.call_id] = call
    return calls
