"""Agent prompts live in files: ``prompts/<role>/system.md`` and ``prompts/<role>/<task>.md``.

Placeholders are ``$name`` (string.Template), filled with tagged blocks built by the agents.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template
from typing import Any

_ROOT = Path(__file__).parent


@cache
def _load(role: str, name: str) -> Template:
    return Template((_ROOT / role / f"{name}.md").read_text(encoding="utf-8"))


def render(role: str, task: str, *, system: dict[str, str] | None = None,
           **values: Any) -> list[dict[str, Any]]:
    """The chat messages for one call: the role's system prompt and the task prompt."""
    return [
        {"role": "system", "content": _load(role, "system").substitute(system or {})},
        {"role": "user", "content": _load(role, task).substitute(values)},
    ]
