"""Watch a running job's folder from the host and stop the job when it grows too large.

Docker's local volumes have no size limit: a job could fill the host disk with checkpoints.
``DiskWatch`` measures the job's folder (for Docker, the volume's directory on the host) in a
background thread and calls ``on_exceed`` once, when the disk blocks used pass the byte limit
or the entries pass the entry limit. Measuring is a walk of the tree, repeated at an interval
that grows with the walk's own cost, so a large folder does not keep the host busy.

A poll can only notice what was written before it: a job may overshoot by what it writes in
one interval (about a second), and a job that moves folders while a walk runs can hide some
of its usage from that walk. Backends therefore measure once more after the job has stopped.

    >>> watch = DiskWatch(lambda: tree_usage(folder), limit_bytes=2 << 30, on_exceed=kill)
    >>> watch.start(); ...; watch.stop()
    >>> watch.exceeded, watch.peak_bytes
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)


class Usage(NamedTuple):
    bytes: int
    entries: int
    hidden: int = 0  # folders the walk could not read (their contents are not counted)


def tree_usage(root: Path, *, stop_above: Usage | None = None) -> Usage:
    """Disk blocks (in bytes) and entries under ``root``, links not followed, each inode once.

    Folders are opened relative to their parent's descriptor with ``O_NOFOLLOW``, so a job that
    swaps a folder for a link mid-walk cannot point the walk outside ``root``, and path length
    does not matter. At most ``_OPEN_LEVELS`` descriptors stay open: deeper, a folder's parent
    is reopened as ``..`` on the way back up. ``stop_above`` ends the walk early once either
    count exceeds it.
    """
    walk = _Walk(stop_above)
    try:
        root_fd = os.open(root, _DIR_FLAGS)
    except OSError:  # gone, or replaced by a link: nothing under it can be measured
        return Usage(0, 0, 1)
    # One frame per folder on the current path: its descriptor (-1 once closed to save
    # descriptors) and the names of its subfolders still to visit.
    stack: list[tuple[int, list[str]]] = [(root_fd, walk.list(root_fd))]
    try:
        while stack and not walk.done():
            fd, pending = stack[-1]
            if not pending:
                stack.pop()
                if stack and stack[-1][0] < 0:  # the parent's descriptor was closed: reopen
                    stack[-1] = (_open_up(fd), stack[-1][1])
                os.close(fd)
                continue
            try:
                child = os.open(pending.pop(), _DIR_FLAGS, dir_fd=fd)
            except PermissionError:
                walk.hidden += 1
                continue
            except OSError:  # gone, or no longer a folder (a link now): nothing to count
                continue
            if len(stack) > _OPEN_LEVELS:  # never the root: it is stack[0]
                old_fd, old_pending = stack[-_OPEN_LEVELS]
                if old_fd >= 0:
                    os.close(old_fd)
                    stack[-_OPEN_LEVELS] = (-1, old_pending)
            stack.append((child, walk.list(child)))
    finally:
        for fd, _ in stack:
            if fd >= 0:
                os.close(fd)
    return Usage(walk.used, walk.entries, walk.hidden)


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_LEVELS = 64


def _open_up(fd: int) -> int:
    return os.open("..", _DIR_FLAGS, dir_fd=fd)


class _Walk:
    def __init__(self, stop_above: Usage | None) -> None:
        self.stop_above = stop_above
        self.used = self.entries = self.hidden = 0
        self._seen: set[int] = set()

    def done(self) -> bool:
        limit = self.stop_above
        return limit is not None and (self.used > limit.bytes or self.entries > limit.entries)

    def list(self, fd: int) -> list[str]:
        """Count a folder's entries; returns the names of its subfolders."""
        folders = []
        try:
            with os.scandir(fd) as listing:
                for entry in listing:
                    with contextlib.suppress(OSError):
                        info = entry.stat(follow_symlinks=False)
                        self.entries += 1
                        if stat.S_ISDIR(info.st_mode):
                            folders.append(entry.name)
                        elif info.st_nlink > 1:
                            if info.st_ino in self._seen:
                                continue
                            self._seen.add(info.st_ino)
                        self.used += info.st_blocks * 512
                    if self.done():
                        break
        except PermissionError:
            self.hidden += 1
        return folders


class DiskWatch:
    """Polls ``measure`` until stopped; calls ``on_exceed`` once past a limit."""

    def __init__(self, measure: Callable[[], Usage], *, limit_bytes: int, limit_entries: int,
                 on_exceed: Callable[[], None], interval_s: float = 1.0) -> None:
        self.measure = measure
        self.limit = Usage(limit_bytes, limit_entries)
        self.on_exceed = on_exceed
        self.interval_s = interval_s
        self.exceeded = ""  # why the job was stopped, empty while within the limits
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="aisci-disk-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def check(self) -> str:
        """Measure now; returns (and remembers) the reason when a limit is passed."""
        usage = self.measure()
        self.peak_bytes = max(self.peak_bytes, usage.bytes)
        if usage.bytes > self.limit.bytes:
            self.exceeded = self.exceeded or (
                f"the job folder grew past {self.limit.bytes >> 20} MB on disk; the job was "
                "stopped")
        elif usage.entries > self.limit.entries:
            self.exceeded = self.exceeded or (
                f"the job folder holds more than {self.limit.entries} files; the job was "
                "stopped")
        return self.exceeded

    def _loop(self) -> None:
        while not self._stop.is_set():
            start = time.monotonic()
            try:
                if self.check():
                    self.on_exceed()
                    return
            except Exception:  # a failed measurement must not kill the job; log it
                log.exception("measuring the job folder failed")
            spent = time.monotonic() - start
            self._stop.wait(max(self.interval_s, 4 * spent))
