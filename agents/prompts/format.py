"""Text for prompts: code, tables and lists as a model reads them (markdown)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any


def code_block(path: str, text: str, language: str = "python") -> str:
    """A file shown to the model: its name, then its content in a fence."""
    return f"`{path}`:\n```{language}\n{text.rstrip()}\n```"


def json_block(data: Any) -> str:
    return "```json\n" + json.dumps(data, indent=2, default=str) + "\n```"


def fenced(text: str, language: str = "") -> str:
    return f"```{language}\n{text.rstrip()}\n```"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markdown table (cells are written with ``str``; pipes are escaped)."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def number(value: float | None, digits: int = 4) -> str:
    """A result as the prompts and the tables print it: ``digits`` significant digits.

        >>> number(0.93), number(2400.0), number(0.012345)
        ('0.9300', '2400', '0.01235')
    """
    if value is None:
        return "-"
    return f"{value:#.{digits}g}".rstrip(".")
