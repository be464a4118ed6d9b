"""A reply that cannot be used: the one repair exchange the model is shown, and what of a
reply cut off by the token limit is still usable as JSON; and what a conversation carries
besides its text (a rendered prompt's facts) and gets added (an instruction).

The repair conversation is always the original one plus that single exchange, so it never
grows with the rounds, and it never holds an empty assistant message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from agents.llm.replies import ReplyError

T = TypeVar("T")

#: How much of a bad answer a repair turn shows the model.
REPAIR_ECHO_CHARS = 3000


def repair_conversation(messages: list[dict[str, Any]], bad: str, error: str,
                        hint: str) -> list[dict[str, Any]]:
    """The original conversation plus one repair exchange (never an empty assistant turn)."""
    note = f"That reply could not be used: {error}. {hint}".strip()
    shown = bad.strip()
    if not shown:
        return [*messages, {"role": "user", "content": f"Your reply was empty. {hint}".strip()}]
    if len(shown) > REPAIR_ECHO_CHARS:
        half = REPAIR_ECHO_CHARS // 2
        shown = f"{shown[:half]}\n[...]\n{shown[-half:]}"
    return [*messages, {"role": "assistant", "content": shown}, {"role": "user", "content": note}]


def try_parse(parse: Callable[[str], T], text: str) -> tuple[T] | None:
    """A cut-off JSON reply up to its last complete object (``{"items": [{...}, {...}, {"a``
    keeps the complete items), parsed; None when nothing complete is left or it does not
    parse. A value cut in the middle is never taken."""
    end = text.rfind("}")
    if end < 0:
        return None
    head = text[:end + 1]
    try:
        return (parse(head + _closers(head)),)
    except ReplyError:
        return None


def _closers(text: str) -> str:
    """The brackets that close what ``text`` leaves open (strings and escapes skipped)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return "".join(reversed(stack))


def facts_of(messages: list[dict[str, Any]]) -> dict[str, str] | None:
    """What fills a rendered prompt's placeholders (``agents.prompts.Prompt``), if known."""
    return getattr(messages, "facts", None)


def append_text(message: dict[str, Any], text: str) -> dict[str, Any]:
    """``message`` with ``text`` added, whether its content is a string or parts (images)."""
    content = message["content"]
    if isinstance(content, list):
        return {**message, "content": [*content, {"type": "text", "text": text}]}
    return {**message, "content": f"{content}{text}"}
