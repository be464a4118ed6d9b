"""Code edits as SEARCH/REPLACE blocks (the format of Aider and AI-Scientist), applied safely.

A coder reply is a description line (``Run 2: ...``), then blocks::

    experiment.py
    <<<<<<< SEARCH
    MOMENTUM = 0.0
    =======
    MOMENTUM = 0.9
    >>>>>>> REPLACE

or the single word ``DONE``. A reply without such blocks may give the same edit as a unified
diff, a whole file, or changed top-level definitions (``edit_forms``). Edits are checked before
anything is written: each path stays inside the code folder, each SEARCH text occurs exactly
once (trailing spaces aside), every edited Python file still compiles and ``experiment.py``
keeps ``--out_dir``. A SEARCH text that misses but only names top-level definitions
(``MOMENTUM = 0.9`` where the file says ``MOMENTUM = 0.0``) replaces those definitions by name.
A rejected edit changes nothing and comes back with the reason and, when a
SEARCH text was not found, the nearest lines of the file, for the model to copy exactly next
time.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from agents.experiment.edit_forms import HUNK, definition_edits, diff_edits, redefined
from agents.llm import ReplyError, copied_line, fenced_blocks, strip_thinking

_BLOCK = re.compile(
    r"(?:^|\n)(?P<path>[^\n]*)\n(?:```[^\n]*\n)?<{5,9} ?SEARCH[^\n]*\n(?P<search>.*?)\n?={5,9}[^\n]*\n"
    r"(?P<replace>.*?)\n?>{5,9} ?REPLACE", re.DOTALL)
#: A block whose ``=======`` divider is missing, the replacement after ``>>>>>>> REPLACE`` (to
#: the end of its fence or of the reply): the 1.5B model wrote it so at every try.
_NO_DIVIDER = re.compile(
    r"<{5,9} ?SEARCH[^\n]*\n(?P<search>(?:(?!\n={5,9})[^<>])+?)\n>{5,9} ?REPLACE[^\n]*\n"
    r"(?P<replace>(?:(?!\n```|\n<{5,9}|\n={5,9}|\n>{5,9}).)+)", re.DOTALL)
_DESCRIPTION = re.compile(r"^\s*\**\s*(?:run\s*\d+|change)\s*\**\s*[:.-]\s*(?P<text>.+?)\s*$",
                          re.IGNORECASE | re.MULTILINE)
_WHY = re.compile(r"^\s*\**\s*why\s*\**\s*:\s*(?P<text>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_PATH = re.compile(r"[\w./-]+\.py")


def _own_words(description: str) -> str:
    """The description without a last sentence that leads into the code ("Change X to 4.
    Replace the lines with:" is "Change X to 4."): a real model's line, kept, labelled every
    table and paper sentence about the run."""
    kept = re.sub(r"(?<=[.!?])\s+[^.!?]*:\s*$", "", description.strip())
    return kept.rstrip(":").strip() or description.strip()


class CodeEdit(BaseModel):
    """A search/replace block on one file of the code folder (empty search: the whole file)."""

    path: str
    search: str
    replace: str


class CoderReply(BaseModel):
    """What the coder said: the run's one-line description and its edits, or that it is done."""

    done: bool = False
    description: str = ""
    reasoning: str = ""  # the model's reasoning in one line ("Why: ..."), when it gives one
    edits: list[CodeEdit] = []


class EditResult(BaseModel):
    ok: bool
    reason: str = ""
    changed: list[str] = []
    refused_by_grader: bool = False  # the template's grader refused it (agents.templates.grader)


#: Says why an edit may not be made (None: it may): each path it writes, relative to the code
#: folder, with its new text (None while only the paths are known).
EditGuard = Callable[[dict[str, str | None]], str | None]


def read_coder_reply(text: str, default_path: str = "experiment.py",
                     current: str | None = None) -> CoderReply:
    """Parse a coder reply; ``ReplyError`` (for the model to read) when it has neither edits
    nor DONE. ``current`` (the file's text) lets a whole-file answer stand for an edit."""
    body = strip_thinking(text)
    if re.fullmatch(r"\W*done\W*", body, re.IGNORECASE):
        return CoderReply(done=True, description="no more runs needed")
    found = _DESCRIPTION.search(body)
    if found:  # one run was asked for: a second "Run N:" and what follows it are not this run
        later = _DESCRIPTION.search(body, found.end())
        body = body[:later.start()] if later and _BLOCK.search(body, 0, later.start()) else body
    edits: list[CodeEdit] = []
    for match in _BLOCK.finditer(body):
        path_line = match.group("path").strip().strip("`*# ")
        path = _PATH.search(path_line)
        edit = CodeEdit(path=path.group(0) if path else default_path,
                        search=_strip_fences(match.group("search")),
                        replace=_strip_fences(match.group("replace")))
        if not any(e.path == edit.path and e.search == edit.search for e in edits):
            edits.append(edit)  # a second block on the same text is an alternative: not taken
    description = _own_words(found.group("text") if found else _first_line(body))
    why = _WHY.search(body)
    reasoning = why.group("text")[:300] if why else ""
    copied = copied_line(description) or copied_line(reasoning)
    if copied:  # the prompt's placeholder line: the run would be labelled with it
        raise ReplyError(f"the line that says what this run changes copies {copied}; say in "
                         f"your own words what this run changes")
    if edits:
        return CoderReply(description=description[:200], reasoning=reasoning, edits=edits)
    other = _other_forms(body, default_path, current)
    if other:
        return CoderReply(description=description[:200], reasoning=reasoning, edits=other)
    if re.search(r"^\s*DONE\s*$", body, re.MULTILINE):
        return CoderReply(done=True, description="no more runs needed")
    raise ReplyError("the reply has no SEARCH/REPLACE block (and is not the word DONE)")


def _strip_fences(text: str) -> str:
    lines = text.split("\n")
    while lines and lines[0].startswith("```"):
        lines.pop(0)
    while lines and lines[-1].startswith("```"):
        lines.pop()
    return "\n".join(lines)


def _first_line(body: str) -> str:
    for line in body.splitlines():
        line = line.strip().strip("*#` ")
        if line and not line.startswith(("<<<", "===", ">>>")):
            return line
    return ""


def _other_forms(body: str, path: str, current: str | None) -> list[CodeEdit]:
    """Edits given as a SEARCH/REPLACE block without its divider, a unified diff, a whole
    file, or changed definitions (in that order of trust), when the reply has no complete
    SEARCH/REPLACE block."""
    undivided = [CodeEdit(path=path, search=_strip_fences(m.group("search")),
                          replace=_strip_fences(m.group("replace").strip("\n")))
                 for m in _NO_DIVIDER.finditer(body) if m.group("search").strip()]
    if undivided:
        return undivided
    blocks = fenced_blocks(body)
    diffs = [CodeEdit(path=path, search=search, replace=replace) for lang, block in blocks
             if lang in ("diff", "patch") or (lang == "" and HUNK.search(block))
             for search, replace in diff_edits(block)]
    if diffs:
        return diffs
    whole = _whole_file(body, current)
    if whole is not None:
        return [CodeEdit(path=path, search="", replace=whole)]
    if current is None:
        return []
    python = [block for lang, block in blocks if lang in ("", "python", "py")]
    if not blocks:  # unfenced: the reply after its description line
        python = ["\n".join(line for line in body.splitlines() if not _DESCRIPTION.match(line))]
    for block in python:
        changed = definition_edits(block, current)
        if changed is not None:
            return [CodeEdit(path=path, search="", replace=changed)]
    return []


def _whole_file(body: str, current: str | None) -> str | None:
    """A fenced Python file that can stand for the whole of ``current`` (not a snippet)."""
    if current is None:
        return None
    for lang, block in fenced_blocks(body):
        if lang not in ("", "python", "py"):
            continue
        if len(block) >= 0.5 * len(current) and "--out_dir" in block:
            return block + "\n"
    return None


def _target(root: Path, rel: str) -> Path | None:
    path = (root / rel).resolve()
    return path if path.is_relative_to(root.resolve()) else None


def _replace_once(current: str, search: str, replace: str) -> str | None:
    """``current`` with ``search`` replaced once; trailing spaces on lines do not count."""
    if current.count(search) == 1:
        return current.replace(search, replace, 1)
    lines, wanted = current.split("\n"), [s.rstrip() for s in search.split("\n")]
    stripped = [line.rstrip() for line in lines]
    hits = [i for i in range(len(lines) - len(wanted) + 1) if stripped[i:i + len(wanted)] == wanted]
    if len(hits) != 1:
        return None
    i = hits[0]
    return "\n".join([*lines[:i], *replace.split("\n"), *lines[i + len(wanted):]])


def nearest_lines(current: str, search: str, context: int = 1) -> str:
    """The lines of ``current`` most like ``search``, numbered, for the model to copy."""
    lines = current.split("\n")
    size = max(1, len(search.split("\n")))
    best, best_at = 0.0, 0
    for i in range(max(1, len(lines) - size + 1)):
        ratio = difflib.SequenceMatcher(None, "\n".join(lines[i:i + size]), search).ratio()
        if ratio > best:
            best, best_at = ratio, i
    start, end = max(0, best_at - context), min(len(lines), best_at + size + context)
    return "\n".join(f"{n + 1:4d}| {lines[n]}" for n in range(start, end))


def apply_edits(root: Path, edits: list[CodeEdit], guard: EditGuard | None = None,
                layout: Callable[[str, str], str] | None = None) -> EditResult:
    """Apply all edits, or none (with the reason). ``guard``: the template's grader, asked
    first about the paths and then about the new texts; ``layout`` (path, text) -> text
    first puts back what only the layout of an edit changed in the grader."""
    if not edits:
        return EditResult(ok=False, reason="no edits were given")
    if guard is not None and (refused := guard({posixpath.normpath(e.path.strip()): None
                                                for e in edits})):
        return EditResult(ok=False, reason=refused, refused_by_grader=True)
    new_text: dict[Path, str] = {}
    for number, edit in enumerate(edits, start=1):
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
            replaced = _replace_once(current, edit.search, edit.replace)
            if replaced is None:
                replaced = redefined(current, edit.search, edit.replace)
            if replaced is None:
                count = current.count(edit.search)
                how = (f"occurs {count} times (it must occur exactly once: include more lines)"
                       if count > 1 else "is not in the file")
                return EditResult(ok=False, reason=(
                    f"block {number}: the SEARCH text {how}. Copy the lines exactly from "
                    f"{edit.path}; the nearest lines in it are:\n"
                    f"{nearest_lines(current, edit.search)}"))
            current = replaced
        else:  # an empty search means: the whole file is replaced
            current = edit.replace
        new_text[path] = current
    for path, text in new_text.items():
        try:
            compile(text, str(path.name), "exec")
        except SyntaxError as exc:
            return EditResult(ok=False, reason=(
                f"{path.name} would not compile after the edit: line {exc.lineno}: {exc.msg}"))
    for path, text in new_text.items():  # --out_dir stays where it is defined (maybe a module)
        before = path.read_text(encoding="utf-8") if path.is_file() else ""
        if "--out_dir" in before and "--out_dir" not in text:
            return EditResult(ok=False, reason=(
                f"{path.name} must keep accepting --out_dir (the results contract)"))
    if layout is not None:
        new_text = {p: layout(str(p.relative_to(root.resolve())), t) for p, t in new_text.items()}
    if guard is not None and (refused := guard(
            {str(p.relative_to(root.resolve())): t for p, t in new_text.items()})):
        return EditResult(ok=False, reason=refused, refused_by_grader=True)
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
