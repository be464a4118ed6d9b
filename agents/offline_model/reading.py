"""How the offline model reads aisci's prompts: the same prompts a real model gets.

It reads no sentence of a prompt file. ``facts`` lays the asked task's prompt file over the
prompt it got and takes what fills each ``$placeholder`` (the template's code, the idea, the
run history, a number), whatever the file's sentences say; the other readers pick the facts out
of those values (the files shown, the tables, the JSON blocks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

_TASK = re.compile(r"^# Task: (.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Asked:
    """One question to the offline model: the task, what fills each placeholder of its prompt
    file (``facts``, all a skill reads), and the user's text (for tests that stand in for a
    model and read it whole)."""

    task: str
    facts: dict[str, str]
    prompt: str = ""

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise TypeError("a question is read by the names of its facts")
        return self.facts.get(name, "")

    def __contains__(self, text: object) -> bool:
        raise TypeError("a skill reads facts (asked[name]), not the prompt's wording")

    def number(self, name: str, default: int) -> int:
        found = re.search(r"-?\d+", self[name])
        return int(found.group(0)) if found else default


@cache
def _shape(text: str) -> re.Pattern[str]:
    """A prompt file as a pattern: its words literal, each placeholder a group (a repeat must
    match what it matched first). A rendered prompt is stripped, so where the file ends with a
    placeholder the space before it may be gone."""
    parts, seen, at = [], set(), 0
    for found in Template.pattern.finditer(text):  # the placeholders render() fills
        words = text[at:found.start()]
        last = found.end() == len(text)
        parts.append(re.escape(words.rstrip()) + r"\s*" if last and words[-1:].isspace()
                     else re.escape(words))
        at = found.end()
        if found.group("escaped"):
            parts.append(re.escape("$"))
            continue
        name = found.group("named") or found.group("braced")
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
    parts.append(re.escape(text[at:]))
    return re.compile("".join(parts), re.DOTALL)


def facts(file_text: str, prompt: str) -> dict[str, str]:
    """What fills each placeholder of ``file_text`` (a prompt file) in ``prompt``, which was
    rendered from it (text the client adds after it is left out); {} when it was not."""
    found = _shape(file_text.strip()).match(prompt)
    return {k: v for k, v in found.groupdict().items()} if found else {}
_FILE = re.compile(r"`([\w./-]+\.py)`:\n```[a-z]*\n(.*?)\n```", re.DOTALL)
_JSON = re.compile(r"```json\n(.*?)\n```", re.DOTALL)
_LATEX = re.compile(r"```latex\n(.*?)\n```", re.DOTALL)


def task(prompt: str) -> str:
    """The title after the last ``# Task:`` (a repair turn repeats nothing, so the last is it)."""
    found = _TASK.findall(prompt)
    return found[-1].strip().lower() if found else ""


def files(prompt: str) -> dict[str, str]:
    return {path: body for path, body in _FILE.findall(prompt)}


def json_values(text: str) -> list[Any]:
    out = []
    for body in _JSON.findall(text):
        try:
            out.append(json.loads(body))
        except json.JSONDecodeError:
            continue
    return out


def fenced_blocks(text: str) -> list[str]:
    """The bodies of the plain ``` blocks in ``text`` (no language named)."""
    return re.findall(r"^```\n(.*?)\n```", text, re.DOTALL | re.MULTILINE)


def latex_blocks(text: str) -> list[str]:
    return _LATEX.findall(text)


def section(prompt: str, heading: str) -> str:
    """The text under a markdown heading (``## The idea``), up to the next heading."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", prompt, re.MULTILINE)
    if not match:
        return ""
    level = len(match.group(1))
    rest = prompt[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[:end.start()].strip() if end else rest.strip()


def between(prompt: str, start: str, end: str) -> str:
    """The text after the first ``start`` and before the next ``end`` (regexes)."""
    found = re.search(start, prompt)
    if not found:
        return ""
    rest = prompt[found.end():]
    stop = re.search(end, rest)
    return rest[:stop.start()] if stop else rest


def number_after(prompt: str, pattern: str, default: int) -> int:
    found = re.search(pattern, prompt)
    return int(found.group(1)) if found else default


def text_after(prompt: str, pattern: str, default: str = "") -> str:
    found = re.search(pattern, prompt, re.MULTILINE)
    return found.group(1).strip() if found else default


def markdown_tables(text: str) -> list[list[dict[str, str]]]:
    """Every markdown table in ``text``, each as a list of rows (header -> cell)."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|(-+\|)+$", lines[i + 1]):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(dict(zip(header, _cells(lines[i]), strict=False)))
                i += 1
            tables.append(rows)
        else:
            i += 1
    return tables


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def first_number(text: str) -> str | None:
    found = re.search(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)
    return found.group(0) if found else None
