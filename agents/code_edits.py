"""Apply an agent's search/replace edits to a code folder, safely.

Edits are checked before anything is written: each path stays inside the folder, each search
text occurs exactly once, and every edited Python file still compiles. A rejected edit set
changes nothing and comes back with the reason, for the agent to read.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pydantic import BaseModel

from agents.models import CodeEdit


class EditResult(BaseModel):
    ok: bool
    reason: str = ""
    changed: list[str] = []


def _target(root: Path, rel: str) -> Path | None:
    path = (root / rel).resolve()
    return path if path.is_relative_to(root.resolve()) else None


def apply_edits(root: Path, edits: list[CodeEdit]) -> EditResult:
    """Apply all edits, or none (with the reason)."""
    if not edits:
        return EditResult(ok=False, reason="no edits were given")
    new_text: dict[Path, str] = {}
    for edit in edits:
        path = _target(root, edit.path)
        if path is None:
            return EditResult(ok=False, reason=f"{edit.path}: edits must stay inside the code folder")
        if path.suffix != ".py":
            return EditResult(ok=False, reason=f"{edit.path}: only Python files may be edited")
        current = new_text.get(path)
        if current is None:
            if not path.exists():
                if edit.search:
                    return EditResult(ok=False, reason=f"{edit.path}: no such file")
                current = ""
            else:
                current = path.read_text(encoding="utf-8")
        if edit.search:
            count = current.count(edit.search)
            if count != 1:
                return EditResult(ok=False, reason=(
                    f"{edit.path}: the search text occurs {count} times (it must occur exactly "
                    f"once; copy it exactly from the current file): {edit.search[:80]!r}"))
            current = current.replace(edit.search, edit.replace, 1)
        else:  # an empty search means: the whole file is replaced
            current = edit.replace
        new_text[path] = current
    for path, text in new_text.items():
        try:
            compile(text, str(path.name), "exec")
        except SyntaxError as exc:
            return EditResult(ok=False, reason=(
                f"{path.name} would not compile after the edit: line {exc.lineno}: {exc.msg}"))
    if "--out_dir" not in new_text.get((root / "experiment.py").resolve(), "--out_dir"):
        return EditResult(ok=False, reason=(
            "experiment.py must keep accepting --out_dir (the results contract)"))
    for path, text in new_text.items():
        path.write_text(text, encoding="utf-8")
    return EditResult(ok=True, changed=sorted(str(p.relative_to(root.resolve())) for p in new_text))


def unified_diff(before_dir: Path, after_dir: Path, files: list[str]) -> str:
    """A unified diff of ``files`` between two folders."""
    chunks: list[str] = []
    for rel in files:
        a = (before_dir / rel).read_text(encoding="utf-8") if (before_dir / rel).exists() else ""
        b = (after_dir / rel).read_text(encoding="utf-8") if (after_dir / rel).exists() else ""
        chunks.extend(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True),
                                           fromfile=f"a/{rel}", tofile=f"b/{rel}"))
    return "".join(chunks)
