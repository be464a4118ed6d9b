"""How the offline model reads aisci's prompts: the same prompts a real model gets.

The prompts are written for models (markdown headings, sentences, fenced code and tables);
these readers pick out the facts the offline model needs from that text, the way a person
skimming the prompt would: the task's title, the files shown, the tables, the JSON examples,
and numbers named in sentences ("at most 2 runs", "round 1 of at most 3").
"""

from __future__ import annotations

import json
import re
from typing import Any

_TASK = re.compile(r"^# Task: (.+?)\s*$", re.MULTILINE)
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
