"""Integrity checks on a paper's text: every number must come from, or be computed from, the runs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import combinations
from statistics import mean
from typing import Any

from pydantic import BaseModel

_NUMBER = re.compile(r"(?<![\w.\\{])[-+]?\d+\.\d+(?![\w.])")


class NumberProblem(BaseModel):
    number: str
    sentence: str

    def message(self) -> str:
        return f"the number {self.number} is not in the run files nor computed from them"


def _collect(value: Any, out: list[float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        out.append(float(value))
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, out)
    elif isinstance(value, list):
        for v in value:
            _collect(v, out)


def allowed_numbers(final_infos: Iterable[dict[str, Any]], extra_text: str = "") -> list[float]:
    """Values in the run files, their per-metric means over groups, and differences of those."""
    values: list[float] = []
    summaries: list[float] = []
    for info in final_infos:
        _collect(info, values)
        by_metric: dict[str, list[float]] = {}
        for group in (info or {}).values():
            means = group.get("means") if isinstance(group, dict) else None
            if isinstance(means, dict):
                for k, v in means.items():
                    if isinstance(v, int | float):
                        by_metric.setdefault(k, []).append(float(v))
        summaries += [mean(v) for v in by_metric.values() if v]
    values += summaries
    pool = sorted(set(values))
    derived = [a - b for a, b in combinations(pool, 2)] + [b - a for a, b in combinations(pool, 2)]
    derived += [(a - b) / b * 100 for a, b in combinations(pool, 2) if b]
    derived += [(b - a) / a * 100 for a, b in combinations(pool, 2) if a]
    derived += [float(x) for x in _NUMBER.findall(extra_text)]
    return pool + derived


def _matches(text_number: str, value: float) -> bool:
    decimals = len(text_number.split(".")[1]) if "." in text_number else 0
    return abs(float(text_number) - value) <= 0.5 * 10 ** (-decimals) + 1e-12


def check_numbers(text: str, allowed: list[float]) -> list[NumberProblem]:
    """Decimal numbers in ``text`` that match no allowed value at their printed precision."""
    problems = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for number in _NUMBER.findall(sentence):
            if not any(_matches(number, v) or _matches(number.lstrip("+-"), abs(v)) for v in allowed):
                problems.append(NumberProblem(number=number, sentence=sentence.strip()[:300]))
    return problems


def check_references(tex: str, bib_keys: set[str]) -> list[str]:
    """Every \\ref has a \\label and every \\cite key is in references.bib."""
    labels = set(re.findall(r"\\label\{([^}]+)\}", tex))
    problems = [f"\\ref{{{r}}} has no matching \\label" for r in
                sorted(set(re.findall(r"\\ref\{([^}]+)\}", tex)) - labels)]
    for group in re.findall(r"\\cite[pt]?\*?\{([^}]+)\}", tex):
        problems += [f"\\cite{{{k.strip()}}} is not in references.bib"
                     for k in group.split(",") if k.strip() not in bib_keys]
    sections = re.findall(r"\\section\{([^}]+)\}", tex)
    problems += [f"section '{s}' appears twice" for s in sorted({s for s in sections
                                                                  if sections.count(s) > 1})]
    figures = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}", tex)
    problems += [f"figure {f} appears twice" for f in sorted({f for f in figures
                                                               if figures.count(f) > 1})]
    return problems
