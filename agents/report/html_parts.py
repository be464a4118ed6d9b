"""The small pieces every section of report.html is made of: escaped values, numbers, lists,
tables and links, and the run folder's files read as untrusted data (never through a link).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from agents.run import read_json_regular, read_regular


def escape(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def num(value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:.4g}"
    return f'<span class="num">{escape("-" if value is None else value)}</span>'


def yes_no(flag: bool) -> str:
    return f'<span class="{"yes" if flag else "no"}">{"yes" if flag else "no"}</span>'


def bullets(values: Any) -> str:
    items = [v for v in as_list(values) if v not in (None, "")]
    return "<ul>" + "".join(f"<li>{escape(v)}</li>" for v in items) + "</ul>" if items else ""


def table(head: list[str], rows: Iterable[Iterable[str]], *, header: bool = True,
          escape_head: bool = True) -> str:
    """Cells are HTML already; header cells are escaped unless ``escape_head`` is False."""
    head_html = ("<tr>" + "".join(f"<th>{escape(h) if escape_head else h}</th>" for h in head)
                 + "</tr>") if header else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head_html}{body}</table>" if body or head_html else ""


def href(path: Path, root: Path) -> str:
    return escape(quote(path.relative_to(root).as_posix()))


def last_number(stem: str) -> int:
    digits = re.findall(r"\d+", stem)
    return int(digits[-1]) if digits else 0


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_json(path: Path) -> Any:
    return read_json_regular(path)  # never through a link: the page shows no host file


def read_text(path: Path) -> str:
    return read_regular(path) or ""
