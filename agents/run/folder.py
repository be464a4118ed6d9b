"""The run folder: every artifact of a run, written atomically (temp file, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.domain.names import slugify


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_text(path, json.dumps(to_jsonable(value), indent=2, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class RunFolder:
    """``runs/<UTC timestamp>_<slug>/`` and the files the contract names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._events_lock = threading.Lock()
        #: Called with each event after it is written (a live display listens here).
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        #: Called with running jobs' output (labels, stream, text): shown, never written.
        self.output_listeners: list[Callable[[dict[str, str], str, str], None]] = []

    @classmethod
    def create(cls, runs_dir: Path, topic: str) -> RunFolder:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        base = runs_dir / f"{stamp}_{slugify(topic, 40)}"
        path, n = base, 1
        while path.exists():
            n += 1
            path = base.with_name(f"{base.name}-{n}")
        path.mkdir(parents=True)
        return cls(path)

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints.sqlite"

    def idea_dir(self, name: str) -> Path:
        return self.path / "ideas" / name

    def write_json(self, rel: str, value: Any) -> Path:
        target = self.path / rel
        atomic_write_json(target, value)
        return target

    def read_json(self, rel: str, default: Any = None) -> Any:
        target = self.path / rel
        return read_json(target) if target.exists() else default

    def event(self, kind: str, **fields: Any) -> None:
        """Append one line to events.jsonl (thread-safe; each line is one complete write)."""
        record = {"ts": round(time.time(), 3), "type": kind, **fields}
        line = json.dumps(to_jsonable(record), default=str) + "\n"
        with self._events_lock, (self.path / "events.jsonl").open("a", encoding="utf-8") as f:
            f.write(line)
        for listener in self.listeners:
            listener(record)

    def job_output(self, labels: dict[str, str], stream: str, text: str) -> None:
        """A running job's output, passed to the output listeners (any thread)."""
        for listener in self.output_listeners:
            listener(labels, stream, text)

    def events(self) -> list[dict[str, Any]]:
        path = self.path / "events.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by a crash mid-write
                continue
        return out
