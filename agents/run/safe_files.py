"""Copying and reading files that someone else may have made: no link is copied or followed.

Templates, drafts, job folders and the job cache can come from elsewhere (a downloaded
template, a shared run folder), and the sandbox writes job folders. A symbolic link among them
would make a plain ``shutil.copytree`` copy the file it points to (``/etc/passwd``, a key
file) into the sandbox, the paper or a prompt. Here only regular files and folders are
copied, each opened without following a link (``O_NOFOLLOW``); links, FIFOs, sockets and
devices are left out. ``read_for_prompt`` is the one way a file's text reaches a model: a
regular file, not a link, under a size cap.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

#: The largest file whose text is put into a prompt (a template's code is a few kB).
PROMPT_FILE_BYTES = 200_000

Ignore = Callable[[str, list[str]], Iterable[str]]


def _open_regular(path: Path) -> int | None:
    """A read descriptor of ``path`` when it is a regular file (not a link); else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def copy_file(src: Path, dst: Path) -> bool:
    """Copy ``src`` to ``dst`` when ``src`` is a regular file (a link is never followed);
    False (and nothing written) otherwise. An existing ``dst`` link is replaced, not
    written through."""
    fd = _open_regular(src)
    if fd is None:
        return False
    with os.fdopen(fd, "rb") as source:
        if dst.is_symlink():
            dst.unlink()
        dst.parent.mkdir(parents=True, exist_ok=True)
        with dst.open("wb") as target:
            shutil.copyfileobj(source, target)
    shutil.copymode(src, dst, follow_symlinks=False)
    return True


def copy_tree(src: Path, dst: Path, *, ignore: Ignore | None = None,
              dirs_exist_ok: bool = False) -> Path:
    """``shutil.copytree`` that copies only regular files and folders and follows no link
    (``src`` itself must be a real folder). ``ignore`` as ``shutil.ignore_patterns``."""
    if src.is_symlink() or not src.is_dir():
        raise NotADirectoryError(f"{src} is not a folder (a link is never followed)")
    dst.mkdir(parents=True, exist_ok=dirs_exist_ok)
    with os.scandir(src) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    names = [e.name for e in entries]
    skipped = set(ignore(str(src), names)) if ignore is not None else set()
    for entry in entries:
        if entry.name in skipped:
            continue
        if entry.is_dir(follow_symlinks=False):
            copy_tree(Path(entry.path), dst / entry.name, ignore=ignore, dirs_exist_ok=True)
        elif entry.is_file(follow_symlinks=False):
            copy_file(Path(entry.path), dst / entry.name)
    return dst


def regular_files(folder: Path, pattern: str = "*") -> list[Path]:
    """The regular files under ``folder`` matching ``pattern``, reached without following a
    link, in a stable order."""
    out: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)))
        out += [Path(root) / f for f in files
                if Path(f).match(pattern) and not os.path.islink(os.path.join(root, f))
                and os.path.isfile(os.path.join(root, f))]
    return sorted(out)


def read_for_prompt(path: Path, *, limit: int = PROMPT_FILE_BYTES) -> str | None:
    """The text of ``path`` for a prompt: only a regular file (never through a link) of at
    most ``limit`` bytes; None otherwise."""
    fd = _open_regular(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        return None
    return data.decode("utf-8", errors="replace")


#: The largest file a report or reader takes in (run records are far smaller).
READ_FILE_BYTES = 50_000_000


def read_regular(path: Path, *, limit: int = READ_FILE_BYTES) -> str | None:
    """The text of ``path`` when it is a regular file (never through a link) of at most
    ``limit`` bytes; None otherwise (a run folder's report never shows a linked host file)."""
    return read_for_prompt(path, limit=limit)


def read_json_regular(path: Path) -> Any:
    """The JSON of ``path`` when it is a regular file (never through a link) that parses;
    None otherwise (missing, a link, too large, not JSON, nested too deep)."""
    text = read_regular(path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
