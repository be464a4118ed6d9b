"""Agent prompts live in files: one ``prompts/system.md`` for every agent, and
``prompts/<role>/<task>.md`` for each task.

Placeholders are ``$name`` (``string.Template``), filled with text the agents build with
``agents.prompts.format``. Each fact is stated once, in words. The order is chosen for a local
server's prefix cache: the system prompt is shared by every role, the context a task needs (the
template and its code, the paper so far, the paper under review) comes first, and the role and
the request come last, so a repeat of that context is not evaluated again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template
from typing import Any

_ROOT = Path(__file__).parent


DEFAULT_AREA = "machine learning, studied with small, careful experiments."


@cache
def _load(path: str) -> Template:
    return Template((_ROOT / path).read_text(encoding="utf-8"))


def render(role: str, task: str, *, area: str = DEFAULT_AREA, **values: Any) -> list[dict[str, Any]]:
    """The chat messages for one call: the shared system prompt and the task prompt.

    ``area`` is the template's description of its research area (``prompt.json``'s system).
    """
    return [
        {"role": "system", "content": _load("system.md").substitute(template_system=area).strip()},
        {"role": "user", "content": _load(f"{role}/{task}.md").substitute(values).strip()},
    ]


def fill(role: str, part: str, **values: Any) -> str:
    """A part of a prompt (``prompts/<role>/<part>.md``) filled in, for a ``$placeholder``."""
    return _load(f"{role}/{part}.md").substitute(values).strip()
