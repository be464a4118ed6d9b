"""Taking parts out of a section: a sentence that still fails the checks, a paragraph that TeX
cannot compile. What is taken out is listed by the writer with why."""

from __future__ import annotations

import re

from agents.paper.markup import balanced_environments

#: What a section says when nothing of it is left.
FAILED_SECTION = r"\emph{(This section could not be written: the writer model gave no usable answer.)}"


def remove_unit(text: str, unit: str) -> tuple[str, bool]:
    """``text`` without ``unit`` (whitespace-insensitive), and whether it was found."""
    words = unit.split()
    if not words:
        return text, False
    pattern = r"\s*".join(re.escape(w) for w in words)
    new, count = re.subn(pattern, "", text, count=1)
    return (re.sub(r"[ \t]{2,}", " ", new).strip(), True) if count else (text, False)


def without_broken_part(text: str, source: str, line_no: int) -> tuple[str, str] | None:
    """``text`` (a section) without the paragraph that holds line ``line_no`` of the assembled
    ``source`` (where TeX stopped; a blank line counts as the one before it), and that
    paragraph; None when the line is not in ``text``."""
    lines = source.splitlines()[:line_no]
    line = next((x.strip() for x in reversed(lines) if x.strip()), "")
    paragraphs = re.split(r"\n[ \t]*\n", text)
    at = next((i for i, p in enumerate(paragraphs)
               if line and any(x.strip() == line for x in p.splitlines())), None)
    if at is None:
        return None
    part = paragraphs.pop(at)
    kept = balanced_environments("\n\n".join(paragraphs)).strip()
    return (kept or FAILED_SECTION), part
