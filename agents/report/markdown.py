"""The small Markdown subset that aisci writes (notes.md) as escaped HTML for report.html:
headings, tables, lists, bold and code. Every character of the text is escaped first."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable


def markdown(text: str) -> str:
    """Render the Markdown that aisci writes (notes.md) as escaped HTML."""
    out: list[str] = []
    table: list[list[str]] = []
    items: list[str] = []

    def flush() -> None:
        if table:
            head, *rows = [r for r in table if not all(re.fullmatch(r":?-+:?", c) for c in r)]
            out.append(_table([_inline(c) for c in head], [[_inline(c) for c in r] for r in rows]))
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            table.append([c.strip() for c in stripped[1:-1].split("|")])
            continue
        if stripped.startswith(("- ", "* ")):
            items.append(stripped[2:])
            continue
        flush()
        heading = re.match(r"(#{1,6})\s+(.*)", stripped)
        if heading:
            level = min(len(heading.group(1)) + 2, 6)  # under the page's own h1-h3
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped:
            out.append(f"<p>{_inline(stripped)}</p>")
    flush()
    return "\n".join(out)


def _inline(text: str) -> str:
    escaped = _e(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", escaped)


def _e(value: str) -> str:
    return html.escape(value)


def _table(head: list[str], rows: Iterable[Iterable[str]]) -> str:
    """Cells (and header cells) are HTML already."""
    head_html = "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head_html}{body}</table>"
