"""Code edits in the two forms models use besides SEARCH/REPLACE: a unified diff, and changed
top-level definitions.

Asked for SEARCH/REPLACE blocks, a small model often answers in another form that says the
same thing just as exactly:

- a unified diff (a ```` ```diff ```` block): each hunk's context and ``-`` lines are the text
  to find, its context and ``+`` lines the text to put there (the ``@@`` line numbers are not
  trusted);
- a fenced Python block of top-level definitions from the file, changed: ``MOMENTUM = 0.9``,
  or the whole of ``def train_one(...)``. Each statement replaces the one of the same name
  (an assignment to that name alone, a function, a class); a statement that is already in the
  file unchanged (an import) is left alone; a new constant or function is added before the
  first function. A block with anything else (a loose expression, a changed ``if`` block) is
  not read this way: what it means is not exact.

The same reading serves a SEARCH text that misses only because the model misremembered a
value: ``MOMENTUM = 0.9`` to ``MOMENTUM = 0.5``, where the file says ``MOMENTUM = 0.0``, sets
``MOMENTUM`` (``redefined``). All of these only turn text into edits; ``apply_edits`` checks
them like any other edit. Nothing here runs the code: ``ast`` only parses it.
"""

from __future__ import annotations

import ast
import re

#: A unified diff's hunk header (``@@ -3,2 +3,2 @@``).
HUNK = re.compile(r"^@@[^\n]*@@[^\n]*$", re.MULTILINE)


def diff_edits(block: str) -> list[tuple[str, str]]:
    """The hunks of a unified diff as (search, replace) pairs (none when it has no change)."""
    edits: list[tuple[str, str]] = []
    for hunk in HUNK.split(block)[1:] if HUNK.search(block) else [block]:
        search: list[str] = []
        replace: list[str] = []
        for line in hunk.strip("\n").split("\n"):
            if line.startswith(("---", "+++", "diff ", "index ")):
                continue
            if line.startswith("-"):
                search.append(line[1:])
            elif line.startswith("+"):
                replace.append(line[1:])
            else:  # context (a model may drop the leading space)
                text = line[1:] if line.startswith(" ") else line
                search.append(text)
                replace.append(text)
        while search and replace and not search[-1].strip() and not replace[-1].strip():
            search.pop()
            replace.pop()
        if search != replace and any(s.strip() for s in search):
            edits.append(("\n".join(search), "\n".join(replace)))
    return edits


def _name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _span(node: ast.stmt) -> tuple[int, int]:
    """The 0-based line range of a statement, its decorators included."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)]) - 1
    return start, node.end_lineno or node.lineno


def definition_edits(block: str, current: str) -> str | None:
    """``current`` with the top-level definitions of ``block`` put in place, or None when
    ``block`` is not a set of definitions that changes ``current``."""
    try:
        old_tree, new_tree = ast.parse(current), ast.parse(block)
    except SyntaxError:
        return None
    old_lines, new_lines = current.split("\n"), block.split("\n")
    spans: dict[str, tuple[int, int]] = {}
    counts: dict[str, int] = {}
    for node in old_tree.body:
        name = _name(node)
        if name is not None:
            spans[name] = _span(node)
            counts[name] = counts.get(name, 0) + 1
    unchanged = {ast.dump(node) for node in old_tree.body}
    replaced: dict[int, tuple[int, list[str]]] = {}  # start line -> (end line, new lines)
    added: list[str] = []
    for node in new_tree.body:
        if ast.dump(node) in unchanged:
            continue
        name = _name(node)
        start, end = _span(node)
        text = new_lines[start:end]
        if name is None or counts.get(name, 0) > 1:
            return None
        if name in spans:
            replaced[spans[name][0]] = (spans[name][1], text)
        else:
            added.extend([*text, ""] if isinstance(node, ast.Assign | ast.AnnAssign)
                         else [*text, "", ""])
    if not replaced and not added:
        return None
    first_def = next((_span(n)[0] for n in old_tree.body
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))),
                     len(old_lines))
    out: list[str] = []
    i = 0
    while i < len(old_lines):
        if i == first_def and added:
            out.extend(added)
        if i in replaced:
            end, text = replaced[i]
            out.extend(text)
            i = end
            continue
        out.append(old_lines[i])
        i += 1
    if first_def >= len(old_lines) and added:
        out.extend(added)
    result = "\n".join(out)
    return result if result != current else None


def _names(text: str) -> set[str] | None:
    """The names a block of top-level definitions defines, or None if it is anything else."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    names = [_name(node) for node in tree.body]
    return {n for n in names if n} if names and None not in names else None


def redefined(current: str, search: str, replace: str) -> str | None:
    """A SEARCH text that is not in ``current`` but only names top-level definitions of it
    (with a wrong value, say): ``current`` with ``replace``'s definitions of those names put in
    place, or None. The names of ``replace`` must include those of ``search``."""
    old, new = _names(search), _names(replace)
    if not old or not new or not old <= new:
        return None
    return definition_edits(replace, current)
