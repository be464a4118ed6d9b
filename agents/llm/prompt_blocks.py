"""Tagged blocks in prompts: written by the agents, read back by the offline model."""

from __future__ import annotations

import html
import json
import re
from typing import Any


def block(name: str, content: Any, **attrs: str) -> str:
    """``<name attr="v">content</name>``; dicts and lists are written as JSON."""
    if not isinstance(content, str):
        content = json.dumps(content, indent=1, default=str)
    attr_text = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs.items())
    return f"<{name}{attr_text}>\n{content}\n</{name}>"


def blocks(text: str, name: str) -> list[tuple[dict[str, str], str]]:
    """Every ``<name ...>...</name>`` block in ``text``: (attributes, content)."""
    pattern = re.compile(rf"<{name}((?:\s+\w+=\"[^\"]*\")*)>\n?(.*?)\n?</{name}>", re.DOTALL)
    found = []
    for match in pattern.finditer(text):
        attrs = {k: html.unescape(v) for k, v in re.findall(r'(\w+)="([^"]*)"', match.group(1))}
        found.append((attrs, match.group(2)))
    return found


def first(text: str, name: str, default: str = "") -> str:
    found = blocks(text, name)
    return found[0][1] if found else default


def first_json(text: str, name: str, default: Any = None) -> Any:
    raw = first(text, name)
    if not raw.strip():
        return default
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return default
