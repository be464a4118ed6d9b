"""Reduce a folder a job wrote in place to what ``sandbox.copyback`` would let back.

The local backend's job writes straight into its host folder, which host code later reads,
copies and rewrites. ``sanitize_tree`` leaves that folder holding the same kind of content as a
Docker copy-back:

- symlinks, FIFOs, sockets and devices are removed; names with control characters too;
- a file with other hard links is replaced by a private copy (its content stays; later
  writes by host code can no longer reach a file outside the folder through the link);
- files become 0o644 (0o755 with any exec bit), folders 0o755: no setuid, setgid, sticky;
- ``ResultCaps`` applies: entries deeper than ``max_depth`` are removed; once the byte or
  entry cap is reached (walking names in sorted order), every later entry is removed.

Every step opens entries relative to its parent's descriptor without following links, so a
link planted in the folder never makes the sanitizer act outside it.

    >>> report = sanitize_tree(workdir, ResultCaps())
    >>> report.limit or "within the caps"
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from sandbox.copyback import (
    DIR_FLAGS,
    CopyReport,
    ResultCaps,
    SkipReason,
    bytes_limit,
    depth_limit,
    entries_limit,
    file_mode,
    remove_entry,
    safe_parts,
)

_READ_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def sanitize_tree(root: Path, caps: ResultCaps) -> CopyReport:
    """Make ``root``'s contents plain files and folders within ``caps``; report what went."""
    walk = _Walk(caps)
    root_fd = os.open(root, DIR_FLAGS)
    # One (descriptor, depth, names left) frame per open folder: at most max_depth + 1.
    stack = [(root_fd, 0, sorted(os.listdir(root_fd), reverse=True))]
    try:
        while stack:
            fd, depth, names = stack[-1]
            if not names:
                os.close(fd)
                stack.pop()
                continue
            opened = walk.visit(fd, names.pop(), depth + 1)
            if opened is not None:
                stack.append((opened, depth + 1, sorted(os.listdir(opened), reverse=True)))
    finally:
        for fd, _, _ in stack:
            os.close(fd)
    return walk.report


class _Walk:
    def __init__(self, caps: ResultCaps) -> None:
        self.caps = caps
        self.report = CopyReport()
        self.full = False  # a byte or entry cap was reached: every later entry goes

    def visit(self, parent: int, name: str, depth: int) -> int | None:
        """Check one entry; returns a descriptor when it is a folder to descend into."""
        report, caps = self.report, self.caps
        try:
            kind = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(kind):
            self._drop(parent, name, "symlink")
            return None
        if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)):
            self._drop(parent, name, "special file")
            return None
        if safe_parts(name) is None:
            self._drop(parent, name, "unsafe name")
            return None
        if depth > caps.max_depth:
            report.hit(depth_limit(caps))
            self._drop(parent, name, "too deep")
            return None
        if not self.full and report.entries >= caps.max_entries:
            report.hit(entries_limit(caps))
            self.full = True
        if self.full:
            remove_entry(parent, name)
            return None
        report.entries += 1
        if stat.S_ISDIR(kind):
            return _open_folder(parent, name, report)
        size = _fix_file(parent, name, report, caps.max_bytes - report.bytes)
        if size is None:
            report.hit(bytes_limit(caps))
            self.full = True
            remove_entry(parent, name)
        return None

    def _drop(self, parent: int, name: str, reason: SkipReason) -> None:
        self.report.skip(reason, name)
        remove_entry(parent, name)


def _open_folder(parent: int, name: str, report: CopyReport) -> int | None:
    try:
        fd = os.open(name, DIR_FLAGS, dir_fd=parent)
    except PermissionError:  # the job's own folder, made unreadable: ours to fix
        os.chmod(name, 0o700, dir_fd=parent)
        fd = os.open(name, DIR_FLAGS, dir_fd=parent)
    except OSError:  # replaced by something else meanwhile
        remove_entry(parent, name)
        return None
    os.fchmod(fd, 0o755)
    report.folders += 1
    return fd


def _fix_file(parent: int, name: str, report: CopyReport, room: int) -> int | None:
    """Normalize one regular file; None (and nothing changed) if it is larger than ``room``."""
    try:
        fd = os.open(name, _READ_FILE, dir_fd=parent)
    except PermissionError:  # mode 0o000: fix it, unless the inode is shared with another name
        if os.stat(name, dir_fd=parent, follow_symlinks=False).st_nlink > 1:
            remove_entry(parent, name)
            return 0
        os.chmod(name, 0o600, dir_fd=parent)
        fd = os.open(name, _READ_FILE, dir_fd=parent)
    except OSError:  # swapped for a link or a special file since the stat
        remove_entry(parent, name)
        return 0
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            remove_entry(parent, name)
            return 0
        if info.st_size > room:
            return None
        mode = file_mode(info.st_mode)
        if info.st_nlink > 1:
            _break_link(parent, name, fd, mode)
        else:
            os.fchmod(fd, mode)
    finally:
        os.close(fd)
    report.files += 1
    report.bytes += info.st_size
    return info.st_size


def _break_link(parent: int, name: str, source: int, mode: int) -> None:
    """Replace a hard-linked ``name`` by a copy of its content with a single link."""
    temp = f".aisci-copy-{secrets.token_hex(8)}"
    fd = os.open(temp, _NEW_FILE, 0o600, dir_fd=parent)
    try:
        while chunk := os.read(source, 1 << 20):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=parent)
        raise
    os.close(fd)
    os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
