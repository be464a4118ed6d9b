"""The run folder: every artifact of a run, written atomically (temp file, then rename).

A run folder is data that may come from elsewhere (a copied folder, a shared checkpoint
database), so every path aisci builds inside it from a recorded name goes through
``RunFolder.file`` (or ``confined``), which refuses a path that would leave the folder: an
absolute path, a ``..`` part, or a link that points out.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.domain import EventBase, parse_events, slugify
from agents.errors import ConfigError
from agents.run.safe_files import read_regular

#: What an idea's folder may be called (``agents.domain.names.slugify`` makes such names).
_IDEA_NAME = re.compile(r"[a-z0-9_]{1,64}")


class OutsideRunFolder(ConfigError):
    """A recorded name would put a file outside the run folder: the folder was tampered with."""


def confined(root: Path, rel: str | Path) -> Path:
    """``root / rel``, refused (``OutsideRunFolder``) when it would be anywhere but inside
    ``root``: ``rel`` absolute, with a ``..`` part, or reaching out through a link.

        >>> confined(Path("/runs/r1"), "ideas/a/paper.tex").as_posix()
        '/runs/r1/ideas/a/paper.tex'
    """
    rel_path = Path(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts or "\0" in str(rel):
        raise OutsideRunFolder(f"{str(rel)[:120]!r} is not a path inside the run folder {root}: "
                               f"the run's records were changed outside aisci")
    target = root / rel_path
    base = root.resolve()
    if not target.resolve().is_relative_to(base):
        raise OutsideRunFolder(f"{str(rel)[:120]!r} leads out of the run folder {root} through "
                               f"a link")
    return target


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


def append_no_follow(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` (created if missing), never through a link: a run folder
    from elsewhere may hold ``events.jsonl -> ~/.bashrc``."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(text)


def write_no_follow(path: Path, text: str) -> None:
    """Write ``path`` whole, never through a link (``error.log``)."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


#: Folders aisci empties before it writes into them (job folders, half-made copies, the
#: from-scratch attempts): a link in one is removed, never followed.
SCRATCH = (".jobs", "scaffold")


def links_in(root: Path) -> list[str]:
    """Every link in the run folder (scratch folders aside), as ``name -> target``: a run
    folder aisci wrote holds none, and writing or reading through one would leave it."""
    found: list[str] = []
    for base, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            full = Path(base) / name
            if full.is_symlink():
                found.append(f"{full.relative_to(root)} -> {os.readlink(full)[:80]}")
        dirs[:] = [d for d in dirs if d not in SCRATCH and not d.endswith(".partial")
                   and not (Path(base) / d).is_symlink()]
    return found


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
        self.listeners: list[Callable[[EventBase], None]] = []
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

    def file(self, *parts: str | Path) -> Path:
        """A path inside the run folder; ``OutsideRunFolder`` for one that would leave it."""
        return confined(self.path, Path(*parts))

    def idea_dir(self, name: str) -> Path:
        if not _IDEA_NAME.fullmatch(name):
            raise OutsideRunFolder(f"the idea name {name[:80]!r} is not a safe folder name: the "
                                   f"run's records (checkpoint or ideas.json) were changed "
                                   f"outside aisci")
        return self.file("ideas", name)

    def paper_dir(self, idea: str, version: int) -> Path:
        """An idea's paper: ``paper/``, a revision ``paper_v<N>/``."""
        return self.idea_dir(idea) / ("paper" if version == 1 else f"paper_v{version}")

    def reviews_dir(self, idea: str, version: int) -> Path:
        """The reviews of an idea's paper version: ``reviews/``, ``reviews_v<N>/``."""
        return self.idea_dir(idea) / ("reviews" if version == 1 else f"reviews_v{version}")

    def write_json(self, rel: str, value: Any) -> Path:
        target = self.file(rel)
        atomic_write_json(target, value)
        return target

    def read_json(self, rel: str, default: Any = None) -> Any:
        target = self.file(rel)
        return read_json(target) if target.is_file() else default

    def check_no_links(self) -> None:
        """``OutsideRunFolder`` when the folder holds a link (see ``links_in``)."""
        found = links_in(self.path)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise OutsideRunFolder(f"the run folder holds a link, {found[0]}{more}: a run folder "
                                   f"aisci wrote holds none, and aisci never writes or reads "
                                   f"through one; remove it to resume")

    def event(self, event: EventBase) -> None:
        """Append ``event`` as one line of events.jsonl (thread-safe; one complete write)."""
        line = event.model_dump_json() + "\n"
        with self._events_lock:
            append_no_follow(self.path / "events.jsonl", line)
        for listener in self.listeners:
            listener(event)

    def job_output(self, labels: dict[str, str], stream: str, text: str) -> None:
        """A running job's output, passed to the output listeners (any thread)."""
        for listener in self.output_listeners:
            listener(labels, stream, text)

    def events(self) -> list[EventBase]:
        """The events written so far (``read_events``)."""
        return read_events(self.path)


def read_events(run_dir: Path) -> list[EventBase]:
    """``run_dir``'s events.jsonl, read back as records: only the lines that validate
    (``agents.domain.events``), never through a link; [] when there is none."""
    return parse_events(read_regular(run_dir / "events.jsonl") or "")
