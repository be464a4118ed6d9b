"""Answers that are the model's own: a reply that copies the prompt instead of answering it.

Small models copy what a prompt shows them: the filled example of a JSON answer (whole, or
sentences of it), a placeholder value (``short_snake_case_name``, ``a few keywords``), or the
instructions of the task itself ("Two short paragraphs: what the paper studies ..."). Such a
reply is well formed and worthless. These checks find it, so that the repair turn asks again
(the ``ReplyError`` message is written for the model to read):

- a string value of a JSON answer that is an example value (two words or more), or that holds
  a sentence of the example (near-identical) or a run of ``SHINGLE`` words of it;
- any text that holds a sentence of aisci's prompt files (their fixed text, never what was
  filled in: the code, the results, the paper under review) or a run of ``SHINGLE`` of their
  words.

The examples in ``agents/domain`` are written for this: each is about another study (a
warmup experiment on CIFAR-10, a figure ``warmup_curves.png``), so that its sentences never
fit the work at hand, and a copy of them is a copy.

    >>> copied_text("Two short paragraphs: what the paper studies and why it matters.")
    'a sentence of the prompt\\'s instructions: "what the paper studies and why it matters."'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

#: A sentence this long (in words) that is near-identical to one of the prompt's is a copy.
MIN_SENTENCE_WORDS = 5
#: How alike two sentences must be (difflib's ratio) to count as one copied from the other.
NEAR = 0.9
#: This many consecutive words shared with the prompt's fixed text or its example are a copy.
SHINGLE = 8
#: A whole string value equal to an example value of at least this many words is a copy.
MIN_VALUE_WORDS = 2

_PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
_WORD = re.compile(r"[a-z0-9]+")
_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+")
_PLACEHOLDER = re.compile(r"\$\{?\w+\}?")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def sentences(text: str, min_words: int = MIN_SENTENCE_WORDS) -> list[tuple[str, str]]:
    """(normalised, as written) for each sentence or line of ``text`` with enough words."""
    out = []
    for part in _SPLIT.split(text):
        found = words(part)
        if len(found) >= min_words:
            out.append((" ".join(found), part.strip()))
    return out


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    found = words(text)
    return {" ".join(found[i:i + size]) for i in range(len(found) - size + 1)}


class Source:
    """Text a reply must not copy: its sentences and its runs of words, indexed once."""

    def __init__(self, chunks: Iterable[str], what: str) -> None:
        self.what = what
        self.sentences: dict[str, str] = {}
        self.shingles: set[str] = set()
        for chunk in chunks:
            for norm, written in sentences(chunk):
                self.sentences.setdefault(norm, written)
            self.shingles |= shingles(chunk)

    def copied(self, text: str) -> str | None:
        """What of ``text`` is copied from this source (a sentence, quoted), or None."""
        keys = list(self.sentences)
        for norm, written in sentences(text):
            if norm in self.sentences:
                return f"{self.what}: \"{written[:160]}\""
            close = difflib.get_close_matches(norm, keys, n=1, cutoff=NEAR)
            if close:
                return f"{self.what}: \"{written[:160]}\""
        mine = shingles(text)
        common = mine & self.shingles
        if common:
            run = next(iter(sorted(common)))
            return f"{self.what}: \"... {run} ...\""
        return None


@cache
def prompt_text() -> Source:
    """The fixed text of every prompt file: what aisci wrote, split at each ``$placeholder``
    (what fills one in is the task's data, which an answer may quote)."""
    chunks: list[str] = []
    for path in sorted(_PROMPTS.rglob("*.md")):
        chunks += _PLACEHOLDER.split(path.read_text(encoding="utf-8"))
    return Source(chunks, "a sentence of the prompt's instructions")


def copied_text(text: str) -> str | None:
    """What ``text`` copies of the prompt files' fixed text (a description), or None."""
    return prompt_text().copied(text)


def copied_line(text: str) -> str | None:
    """``copied_text``, or a short line (four words or more) that is a piece of one of the
    prompt files' sentences: a placeholder such as ``Run 2: says what this run changes``."""
    found = " ".join(words(text))
    if len(found.split()) >= 4 and any(found in s for s in prompt_text().sentences):
        return f"a piece of the prompt's instructions: \"{text.strip()[:160]}\""
    return copied_text(text)


def string_values(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, value) for every string in a JSON-like value (``ideas[0].title``)."""
    if isinstance(data, str):
        yield path or "the answer", data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from string_values(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from string_values(value, f"{path}[{i}]")


def _shown(examples: Iterable[BaseModel]) -> tuple[set[str], Source]:
    """What the examples show: their whole values (normalised, two words or more) and their
    text as a ``Source``."""
    shown = [v for example in examples for _, v in string_values(example.model_dump(mode="json"))]
    whole = {" ".join(w) for v in shown if len(w := words(v)) >= MIN_VALUE_WORDS}
    return whole, Source(shown, "a sentence of the example answer")


def copied_answer(answer: BaseModel, *examples: BaseModel) -> str | None:
    """Why ``answer`` is not the model's own (a value of ``examples`` or the prompt files'
    instructions copied), or None. Used for every JSON answer, with the example its prompt
    showed."""
    whole, example = _shown(examples)
    for where, value in string_values(answer.model_dump(mode="json")):
        mine = " ".join(words(value))
        # a placeholder inside a value too: "short_snake_case_name_2", "A second title: X"
        held = mine in whole or any(len(w.split()) > MIN_VALUE_WORDS and
                                    re.search(rf"\b{re.escape(w)}\b", mine) for w in whole)
        if held:
            return (f"{where} is the example's value \"{value[:120]}\": the example only shows the "
                    f"form; write your own value")
        why = example.copied(value) or copied_text(value)
        if why:
            return f"{where} copies {why}; write your own words for this task"
    return None


def without_copies(answer: BaseModel, *examples: BaseModel) -> BaseModel | None:
    """``answer`` with every sentence that copies ``examples`` or the prompt files removed from
    its text (a list item left empty is dropped), when what is left still validates and copies
    nothing; None otherwise. The last resort after the repair turns: the model's own sentences
    and values are kept, nothing of the example is."""
    whole, example = _shown(examples)

    def own(text: str) -> str:
        if " ".join(words(text)) in whole:
            return ""
        kept = [part for part in re.split(r"(?<=[.!?;])\s+", text)
                if not (example.copied(part) or copied_text(part))]
        return " ".join(kept).strip()

    def clean(data: Any) -> Any:
        if isinstance(data, str):
            return own(data)
        if isinstance(data, dict):
            return {k: clean(v) for k, v in data.items()}
        if isinstance(data, list):
            items = [clean(v) for v in data]
            return [v for v in items if v != ""]
        return data

    before = answer.model_dump(mode="json")
    after = clean(before)
    if any(before[k] not in ("", []) and after[k] in ("", []) for k in before):
        return None  # a field of the answer was nothing but a copy: no answer of its own
    try:
        cleaned = type(answer).model_validate(after)
    except ValueError:
        return None
    return None if copied_answer(cleaned, *examples) else cleaned
