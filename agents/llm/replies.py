"""Reading a model's reply: JSON that validates as a reply model, or one fenced block of prose.

Small models wrap JSON in prose or code fences, think aloud in ``<think>`` tags, leave trailing
commas, echo the JSON schema they were shown, or nest the answer under ``"properties"``. The
readers here are lenient in what they accept and exact in what they return: the first JSON
object in the reply that validates wins (not "first ``{`` to last ``}``"), syntax slips are
repaired by ``json_repair`` (in an answer that ends where JSON ends: a reply cut short is
never completed with made-up values), and an echoed schema is unwrapped. When nothing validates, the
``ReplyError`` says why, in words the model reads in its repair turn.

    >>> from agents.domain.reply import ReplyModel
    >>> class Pong(ReplyModel):
    ...     answer: str
    >>> read_json('<think>hm</think> Sure: ```json\\n{"answer": "pong",}\\n```', Pong).answer
    'pong'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

import json_repair
from pydantic import BaseModel, ValidationError

from agents.domain import ReplyModel

T = TypeVar("T", bound="ReplyModel")

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|$)", re.DOTALL)
_SCHEMA_WORDS = frozenset({"type", "description", "properties", "required", "title", "items",
                           "additionalProperties", "enum", "$defs", "anyOf"})


class ReplyError(ValueError):
    """A reply that cannot be used; the message is written for the model to read."""


def strip_thinking(text: str) -> str:
    """The reply without ``<think>...</think>`` (an unclosed one runs to the end)."""
    return _THINK.sub("", text).strip()


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block as (language, content); an unclosed last fence runs to the end."""
    return [(lang.lower(), body.strip("\n")) for lang, body in _FENCE.findall(text)]


def json_objects(text: str) -> Iterator[Any]:
    """Every complete JSON value that starts with ``{`` or ``[`` in ``text``, in order."""
    decoder = json.JSONDecoder()
    i = 0
    while i < len(text):
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                i += 1
                continue
            yield value
            i = end
        else:
            i += 1


def _candidates(text: str) -> Iterator[Any]:
    """Parsed values to try, best first: fenced JSON, any JSON in the text, then repairs."""
    fences = [body for lang, body in fenced_blocks(text) if lang in ("", "json", "javascript")]
    for body in fences:
        yield from json_objects(body)
    yield from json_objects(text)
    for source in [*fences, text]:
        start = min((p for p in (source.find("{"), source.find("[")) if p >= 0), default=-1)
        if start < 0 or source.rstrip()[-1:] not in ("}", "]"):
            continue  # slips in a whole answer are repaired; a reply cut short is not completed
        try:
            repaired = json_repair.loads(source[start:])
        except (ValueError, RecursionError):  # json_repair gives up on some inputs
            continue
        if isinstance(repaired, dict | list) and repaired:
            yield repaired


def _shapes(value: Any, model: type[BaseModel]) -> Iterator[Any]:
    """``value`` and the answers it may hold: under an echoed ``properties``, under a single
    wrapping key, or a bare list/item where the model wants ``{field: [items]}``."""
    yield value
    fields = list(model.model_fields)
    if isinstance(value, dict):
        props = value.get("properties")
        if isinstance(props, dict):
            yield props
        if len(value) == 1:
            inner = next(iter(value.values()))
            if isinstance(inner, dict):
                yield inner
    list_fields = [name for name, f in model.model_fields.items()
                   if getattr(f.annotation, "__origin__", None) is list]
    if len(fields) == 1 and list_fields:
        if isinstance(value, list):
            yield {fields[0]: value}
        elif isinstance(value, dict) and fields[0] not in value:
            yield {fields[0]: [value]}


def _looks_like_schema(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    props = value.get("properties")
    if isinstance(props, dict) and props and all(
            isinstance(v, dict) and set(v) <= _SCHEMA_WORDS for v in props.values()):
        return True
    return value.get("type") == "object" and "properties" in value


def _errors_text(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:6]:
        where = ".".join(str(p) for p in error["loc"]) or "the answer"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def read_json(text: str, model: type[T]) -> T:
    """The first JSON object in ``text`` that validates as ``model`` (``ReplyError`` if none)."""
    body = strip_thinking(text)
    if not body:
        raise ReplyError("the reply was empty")
    first_error = ""
    schema_echo = False
    for candidate in _candidates(body):
        schema_echo = schema_echo or _looks_like_schema(candidate)
        for shaped in _shapes(candidate, model):
            try:
                return model.model_validate(shaped)
            except ValidationError as exc:
                first_error = first_error or _errors_text(exc)
    if schema_echo:
        raise ReplyError("the reply repeats the format description instead of answering; reply "
                         "with your own values in that form")
    if first_error:
        raise ReplyError(f"the JSON does not fit the form: {first_error}")
    raise ReplyError("the reply holds no JSON object")


def read_fenced(text: str, languages: tuple[str, ...] = ()) -> str:
    """The content of the reply's fenced block (one in ``languages`` preferred), else the
    whole reply; ``ReplyError`` when nothing is left."""
    body = strip_thinking(text)
    blocks = fenced_blocks(body)
    preferred = [b for lang, b in blocks if lang in languages]
    chosen = preferred[0] if preferred else blocks[0][1] if blocks else body
    if not chosen.strip():
        raise ReplyError("the reply was empty")
    return chosen.strip()


_SENTENCE_END = re.compile(r"[.!?](?:[)\]}'\"]*)(?=\s|$)")
MIN_SALVAGED_CHARS = 120


def cut_off_prose(text: str, languages: tuple[str, ...] = ()) -> str | None:
    """What is usable of prose cut off by the token limit: its fenced block up to the last
    complete sentence, with paragraphs and sentences that a looping model repeated left out;
    None when too little is left. A cut-off reply is most often a small model repeating
    itself, and asking again with more room only buys a longer loop."""
    try:
        body = read_fenced(text, languages)
    except ReplyError:
        return None
    seen: set[str] = set()
    kept: list[str] = []
    for paragraph in re.split(r"\n\s*\n", body):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s]
        fresh = []
        for sentence in sentences:
            key = " ".join(sentence.split())
            if key not in seen:
                seen.add(key)
                fresh.append(sentence)
        if fresh:
            kept.append(" ".join(fresh) if len(fresh) < len(sentences) else paragraph.strip())
    if not kept:
        return None
    last = kept[-1]
    ends = list(_SENTENCE_END.finditer(last))
    if ends and ends[-1].end() < len(last.rstrip()):
        kept[-1] = last[:ends[-1].end()]
    elif not ends:
        kept.pop()
    salvaged = "\n\n".join(kept).strip()
    return salvaged if len(salvaged) >= MIN_SALVAGED_CHARS else None


def example_json(model: type[ReplyModel]) -> str:
    return json.dumps(model.example().model_dump(mode="json"), indent=2)
