"""Bring a job's result files back to the host: plain files and folders only, within caps.

A job controls every byte of its results: names, types, modes, sizes, counts. Host code later
reads, copies and rewrites those folders, so what reaches the host is reduced to what cannot
act on the host by itself. Guarantees of ``extract_archive`` and ``replace_from_archive``:

- only regular files and directories are created: symlinks, hard links, FIFOs, sockets,
  devices and sparse or unknown members are skipped (and counted by reason);
- files get mode 0o644, or 0o755 if the member had any exec bit; folders 0o755; never a
  setuid, setgid or sticky bit, whatever the archive says; the host process owns everything;
- names are relative, normalized, free of ``..``, NUL and control characters, at most 255
  bytes a component and 4096 bytes in all; ``ResultCaps.max_depth`` bounds the nesting;
- ``ResultCaps`` bounds total bytes and entries (files plus folders, and every skipped
  member, since each costs work). Past a byte or entry cap reading stops; what was written
  before stays (each file complete, never truncated) and ``CopyReport.limit`` says what was
  dropped. Entries nested too deep are skipped one by one; the rest still comes back;
- nothing outside the target folder is created, changed or followed: every file is opened
  with ``O_CREAT | O_EXCL | O_NOFOLLOW`` relative to a folder descriptor the extraction
  created itself, and Python's tarfile is used only to parse, never to extract (its "data"
  filter had bypasses until 3.11.13).

Not guaranteed: tarfile buffers a pax header in memory whole; Docker writes small ones
(names are at most PATH_MAX, extended attributes at most 64 KiB), a hand-made archive need not.

    >>> caps = ResultCaps(max_bytes=1 << 30, max_entries=10_000, max_depth=32)
    >>> report = replace_from_archive(workdir, archive_stream, caps)
    >>> report.limit or "all results back"
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Literal, NamedTuple

from pydantic import BaseModel

from sandbox.base import Limits

SkipReason = Literal["symlink", "hard link", "special file", "unsafe name", "duplicate",
                     "too deep"]
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_MAX_COMPONENT = 255
_MAX_PATH = 4096
_CHUNK = 1 << 20
_EXAMPLES = 5


class ResultCaps(NamedTuple):
    """How much of a job's results may come back."""

    max_bytes: int = 4 << 30
    max_entries: int = 100_000
    max_depth: int = 64  # path components: a top-level file has one

    @classmethod
    def from_limits(cls, limits: Limits) -> ResultCaps:
        return cls(limits.result_mb << 20, limits.result_files, limits.result_depth)


class CopyReport(BaseModel):
    """What came back, what did not and why."""

    files: int = 0
    folders: int = 0
    bytes: int = 0
    entries: int = 0  # everything counted against ResultCaps.max_entries
    skipped: dict[str, int] = {}
    examples: list[str] = []  # the first skipped names, with their reason
    limit: str = ""  # set when a cap was hit: the verdict detail

    def hit(self, detail: str) -> None:
        """Record a cap that was reached (each detail once)."""
        if detail not in self.limit:
            self.limit = f"{self.limit}; {detail}" if self.limit else detail

    def skip(self, reason: SkipReason, name: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        if len(self.examples) < _EXAMPLES:
            self.examples.append(f"{printable(name)} ({reason})")

    def note(self) -> str:
        """One line on what was dropped (empty when nothing was)."""
        parts = [self.limit] if self.limit else []
        if self.skipped:
            counts = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
            parts.append(f"not copied back: {counts} (e.g. {', '.join(self.examples)})")
        return "; ".join(parts)


class CapReached(Exception):
    """Internal: a byte or entry cap stops the copy."""


def entries_limit(caps: ResultCaps) -> str:
    return (f"results hold more than {caps.max_entries} files; "
            f"the first {caps.max_entries} were kept")


def bytes_limit(caps: ResultCaps) -> str:
    return (f"results hold more than {caps.max_bytes >> 20} MB; "
            "the files before the limit were kept")


def depth_limit(caps: ResultCaps) -> str:
    return (f"results nest deeper than {caps.max_depth} levels; "
            "the deeper files were not copied back")


def printable(name: str) -> str:
    """A name as safe to show in a log or a prompt (control characters escaped, shortened)."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in name)
    return text if len(text) <= 120 else text[:117] + "..."


def safe_parts(name: str) -> tuple[str, ...] | None:
    """The normalized components of an archive name, or None if it is unsafe.

    ``()`` is the archive's root entry (``.`` or ``./``), which names the target itself.
    """
    if name.startswith("/") or "\0" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts or len(os.fsencode(name)) > _MAX_PATH:
        return None
    if any(len(os.fsencode(p)) > _MAX_COMPONENT for p in parts):
        return None
    return parts


def file_mode(mode: int) -> int:
    return 0o755 if mode & 0o111 else 0o644


# --- archive -> folder ----------------------------------------------------------------------

def replace_from_archive(workdir: Path, chunks: Iterable[bytes], caps: ResultCaps) -> CopyReport:
    """Replace the contents of ``workdir`` with a tar stream's safe members.

    The members are first written to a staging folder inside ``workdir`` and swapped in only
    when the whole stream was read (or a cap stopped it). If reading fails, ``workdir`` keeps
    its previous contents and the error propagates.
    """
    stage = f".aisci-results-{secrets.token_hex(8)}"
    work_fd = os.open(workdir, DIR_FLAGS)
    try:
        os.mkdir(stage, 0o700, dir_fd=work_fd)
        try:
            report = extract_archive(chunk_reader(chunks, raw_budget(caps)), workdir / stage,
                                     caps)
            for name in os.listdir(work_fd):
                if name != stage:
                    remove_entry(work_fd, name)
            stage_fd = os.open(stage, DIR_FLAGS, dir_fd=work_fd)
            try:
                for name in os.listdir(stage_fd):
                    os.rename(name, name, src_dir_fd=stage_fd, dst_dir_fd=work_fd)
            finally:
                os.close(stage_fd)
        finally:
            with contextlib.suppress(FileNotFoundError):
                remove_entry(work_fd, stage)
    finally:
        os.close(work_fd)
    return report


def extract_archive(fileobj: IO[bytes], dest: Path, caps: ResultCaps) -> CopyReport:
    """Write the safe members of an uncompressed tar stream into the empty folder ``dest``.

    ``tarfile.TarError`` (a truncated or corrupt stream) propagates; whatever was written
    before stays in ``dest``.
    """
    report = CopyReport()
    with _Folders(dest, report, caps) as folders:
        try:
            with tarfile.open(fileobj=fileobj, mode="r|") as tar:
                for member in tar:
                    _extract_member(tar, member, folders, report, caps)
        except CapReached:
            if not report.limit:  # the raw stream outgrew its budget (headers, padding)
                report.hit(bytes_limit(caps))
    return report


def _extract_member(tar: tarfile.TarFile, member: tarfile.TarInfo, folders: _Folders,
                    report: CopyReport, caps: ResultCaps) -> None:
    parts = safe_parts(member.name)
    if parts == ():
        return  # the root entry: the target folder itself
    folders.count(caps)
    shown = "/".join(parts) if parts else member.name.removeprefix("./")
    if parts is None:
        report.skip("unsafe name", shown)
    elif member.issym():
        report.skip("symlink", shown)
    elif member.islnk():
        report.skip("hard link", shown)
    elif not (member.isdir() or member.type in (tarfile.REGTYPE, tarfile.AREGTYPE)):
        report.skip("special file", shown)  # FIFO, device, sparse, contiguous, unknown
    elif len(parts) > caps.max_depth:
        report.skip("too deep", shown)
        report.hit(depth_limit(caps))
    elif member.isdir():
        if folders.open(parts, member=True) is None:
            report.skip("duplicate", shown)
    else:
        _write_file(tar, member, parts, folders, report, caps)


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, parts: tuple[str, ...],
                folders: _Folders, report: CopyReport, caps: ResultCaps) -> None:
    if report.bytes + member.size > caps.max_bytes:
        report.hit(bytes_limit(caps))
        raise CapReached
    parent = folders.open(parts[:-1])
    if parent is None:
        report.skip("duplicate", "/".join(parts))
        return
    try:
        fd = os.open(parts[-1], _NEW_FILE, 0o600, dir_fd=parent)
    except (FileExistsError, IsADirectoryError):
        report.skip("duplicate", "/".join(parts))
        return
    try:
        source = tar.extractfile(member)
        assert source is not None  # a regular member always has a data stream
        while chunk := source.read(_CHUNK):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fchmod(fd, file_mode(member.mode))
        if 0 <= member.mtime < 1 << 33:
            os.utime(fd, (member.mtime, member.mtime))
    except BaseException:
        os.unlink(parts[-1], dir_fd=parent)  # never leave a truncated file behind
        raise
    finally:
        os.close(fd)
    report.files += 1
    report.bytes += member.size


class _Folders:
    """Folder descriptors under the extraction root, created on demand (mode 0o755).

    Each path is walked from the root with ``O_NOFOLLOW | O_DIRECTORY``; only the last
    parent's descriptor is kept, since archives list a folder's files together.
    """

    def __init__(self, root: Path, report: CopyReport, caps: ResultCaps) -> None:
        self.root = os.open(root, DIR_FLAGS)
        self.report, self.caps = report, caps
        self._last: tuple[tuple[str, ...], int] | None = None

    def __enter__(self) -> _Folders:
        return self

    def __exit__(self, *_: object) -> None:
        self._forget()
        os.close(self.root)

    def count(self, caps: ResultCaps) -> None:
        if self.report.entries >= caps.max_entries:
            self.report.hit(entries_limit(caps))
            raise CapReached
        self.report.entries += 1

    def open(self, parts: tuple[str, ...], *, member: bool = False) -> int | None:
        """The descriptor of folder ``parts`` (created if missing), or None on a name clash.

        ``member``: ``parts`` is the archive member being extracted, already counted.
        """
        if not parts:
            return self.root
        if self._last is not None and self._last[0] == parts:
            return self._last[1]
        self._forget()
        fd = self.root
        try:
            for depth, name in enumerate(parts):
                counted = member and depth == len(parts) - 1
                fd = self._child(fd, name, close_parent=depth > 0, counted=counted)
        except OSError:  # a file of that name (ENOTDIR, ELOOP, EEXIST): a clash
            return None
        self._last = (parts, fd)
        return fd

    def _child(self, parent: int, name: str, *, close_parent: bool, counted: bool) -> int:
        try:
            try:
                return os.open(name, DIR_FLAGS, dir_fd=parent)
            except FileNotFoundError:
                if not counted:
                    self.count(self.caps)  # folders the archive never listed count too
                os.mkdir(name, 0o700, dir_fd=parent)
                fd = os.open(name, DIR_FLAGS, dir_fd=parent)
                os.fchmod(fd, 0o755)
                self.report.folders += 1
                return fd
        finally:
            if close_parent:
                os.close(parent)

    def _forget(self) -> None:
        if self._last is not None and self._last[1] != self.root:
            os.close(self._last[1])
        self._last = None


def chunk_reader(chunks: Iterable[bytes], budget: int) -> IO[bytes]:
    """A buffered file over byte chunks that raises ``CapReached`` past ``budget`` bytes."""
    return io.BufferedReader(_Chunks(chunks, budget), buffer_size=_CHUNK)


class _Chunks(io.RawIOBase):
    def __init__(self, chunks: Iterable[bytes], budget: int) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._view = memoryview(b"")
        self._left = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._view:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left -= len(chunk)
            if self._left < 0:
                raise CapReached
            self._view = memoryview(chunk)
        n = min(len(buffer), len(self._view))
        buffer[:n] = self._view[:n]
        self._view = self._view[n:]
        return n


def raw_budget(caps: ResultCaps) -> int:
    """Archive bytes worth reading: the file bytes plus headers and padding of every entry."""
    return caps.max_bytes + caps.max_entries * 4096 + (16 << 20)


# --- removing what a job left ---------------------------------------------------------------

def remove_entry(parent_fd: int, name: str) -> None:
    """Remove ``name`` under ``parent_fd`` (a whole tree if a folder) without following links.

    Iterative and flat: each subfolder is first renamed up into ``parent_fd``, so a tree
    thousands of levels deep needs neither recursion nor more than two descriptors, and
    nothing outside ``parent_fd`` is touched.
    """
    pending = [name]
    while pending:
        current = pending.pop()
        try:
            fd = os.open(current, DIR_FLAGS, dir_fd=parent_fd)
        except PermissionError:  # a folder the job made unreadable; it is ours to fix
            os.chmod(current, 0o700, dir_fd=parent_fd)
            fd = os.open(current, DIR_FLAGS, dir_fd=parent_fd)
        except (NotADirectoryError, OSError) as exc:
            if isinstance(exc, FileNotFoundError):
                continue
            os.unlink(current, dir_fd=parent_fd)  # a file, a link (ELOOP) or a special file
            continue
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    if stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode):
                        moved = f".aisci-rm-{secrets.token_hex(8)}"
                        os.rename(entry.name, moved, src_dir_fd=fd, dst_dir_fd=parent_fd)
                        pending.append(moved)
                    else:
                        os.unlink(entry.name, dir_fd=fd)
        finally:
            os.close(fd)
        os.rmdir(current, dir_fd=parent_fd)
