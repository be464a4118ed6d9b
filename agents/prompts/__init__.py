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
from typing import TYPE_CHECKING, Any

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "format": ["bullets", "code_block", "fenced", "json_block", "number", "table"],
        "outline": ["code_outline"],
        "tasks": ["Task"],
    },
)

__all__ = sorted([*__all__, "DEFAULT_AREA", "Prompt", "fill", "render", "source"])

if TYPE_CHECKING:
    from agents.prompts.format import (
        bullets as bullets,
    )
    from agents.prompts.format import (
        code_block as code_block,
    )
    from agents.prompts.format import (
        fenced as fenced,
    )
    from agents.prompts.format import (
        json_block as json_block,
    )
    from agents.prompts.format import (
        number as number,
    )
    from agents.prompts.format import (
        table as table,
    )
    from agents.prompts.outline import code_outline as code_outline
    from agents.prompts.tasks import Task as Task

_ROOT = Path(__file__).parent


DEFAULT_AREA = "machine learning, studied with small, careful experiments."


@cache
def _load(path: str) -> Template:
    return Template((_ROOT / path).read_text(encoding="utf-8"))


class Prompt(list[dict[str, Any]]):
    """A rendered prompt: its chat messages, and ``facts``, what fills each placeholder of its
    file (text the model reads too). The client hands them, with the task, to a model that
    answers from them (the offline model); no server gets them."""

    def __init__(self, messages: list[dict[str, Any]], facts: dict[str, str]) -> None:
        super().__init__(messages)
        self.facts = facts


def render(task: Task, *, area: str = DEFAULT_AREA, **values: Any) -> Prompt:
    """The chat messages for one call: the shared system prompt and the task's prompt.

    ``area`` is the template's description of its research area (``prompt.json``'s system).
    """
    file = _load(task.prompt)
    used = {m.group("named") or m.group("braced") for m in file.pattern.finditer(file.template)}
    return Prompt([
        {"role": "system", "content": _load("system.md").substitute(template_system=area).strip()},
        {"role": "user", "content": file.substitute(values).strip()},
    ], facts={k: str(v) for k, v in values.items() if k in used})


def fill(role: str, part: str, **values: Any) -> str:
    """A part of a prompt (``prompts/<role>/<part>.md``) filled in, for a ``$placeholder``."""
    return _load(f"{role}/{part}.md").substitute(values).strip()


def source(task: Task) -> str:
    """The task's prompt file as written (its ``$placeholders`` unfilled)."""
    return _load(task.prompt).template
