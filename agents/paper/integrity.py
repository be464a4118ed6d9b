"""The number check: every number in a paper must be a value of the runs, or a derivation of
values in the same sentence or row, at the precision it is printed with.

A number is judged in its unit (a sentence, a caption, a table row) against the facts that the
unit points at: the runs it names (the baseline is always in reach once a run is named), the
groups and metrics it names (a unit that names no metric talks about the primary one), and
the kinds of value its words allow (interval bounds only near "confidence interval" or
``\\pm``, p-values only near "p" or "significant", single seeds only near "seed"). It passes
when it rounds to one of those values, when it is a difference, ratio or percent change of
two numbers printed in the same unit, when it is a true count (seeds, runs, groups) or a
configuration value of what ran that the unit names (a constant the idea changed, a knob of
the template: "a momentum of 0.9"). Everything else is a problem.

The generated results table is checked by identity (``check_table``): it is locked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import permutations

from pydantic import BaseModel

from agents.paper.facts import Fact, FactSheet
from agents.paper.numbers import LOCK_BEGIN, LOCK_END, Number, Unit, numbers, strip_comments, units
from agents.paper.reading import read
from agents.paper.spelled import digits

CI_WORDS = ("confidence", "interval", "ci ", "ci)", "ci,", "\\pm", "±", "[", "bound")
SPREAD_WORDS = ("standard", "std", "error", "deviation", "\\pm", "±", "spread", "variance", "sem")
P_WORDS = ("p =", "p=", "p-value", "p value", "significan", "welch", "holm", "t-test", "test")
SEED_WORDS = ("seed",)


class NumberProblem(BaseModel):
    number: str
    unit: str
    #: the unit is a sentence of the author's draft, word for word (``--from-draft``)
    from_draft: bool = False

    def message(self) -> str:
        if self.from_draft:
            return f"the number {self.number} is the author's (from the draft), not a result of the runs"
        return f"the number {self.number} is not in the results, nor computed from them"


def unit_key(text: str) -> str:
    """A unit's text with its whitespace normalised, for telling whether two units are one."""
    return " ".join(text.split())


def authored_units(*latex: str) -> frozenset[str]:
    """The units (sentences, captions, rows) of the author's draft, by ``unit_key``."""
    return frozenset(unit_key(u.text) for text in latex for u in units(strip_comments(text)))


def plain(text: str) -> str:
    """Lower-case text with LaTeX escapes undone, for matching names."""
    text = text.replace("\\_", "_").replace("~", " ").replace("\\%", "%").replace("\\&", "&")
    return " ".join(text.lower().split())


def _named(text: str, name: str) -> bool:
    name = name.lower()
    spaced = name.replace("_", " ")
    return any(re.search(rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])", text)
               for form in {name, spaced} if form)


def _metric_named(text: str, metric: str) -> bool:
    if _named(text, metric):
        return True
    words = [w for w in metric.lower().split("_") if len(w) >= 4 and w not in ("mean", "final")]
    return any(re.search(rf"(?<![a-z]){re.escape(w)}{'' if w == 'time' else '(?:e?s)?'}(?![a-z])", text)
               for w in words)


@dataclass(frozen=True)
class Scope:
    runs: frozenset[int]
    groups: frozenset[str]
    metrics: frozenset[str]
    kinds: frozenset[str]
    primary: str

    @classmethod
    def of(cls, unit: Unit, sheet: FactSheet, numbers: int = 1) -> Scope:
        """What ``unit`` talks about; with several numbers it may compare with the baseline."""
        text = plain(f"{unit.context} {unit.text}")
        runs = {i for i, aliases in sheet.run_aliases.items()
                if any(alias and _named(text, alias) for alias in aliases)}
        if runs and numbers > 1:
            runs.add(0)
        kinds = {"mean", "primary", "difference"}
        for kind, words in (("ci", CI_WORDS), ("spread", SPREAD_WORDS), ("p", P_WORDS),
                            ("seed", SEED_WORDS)):
            if any(w in text for w in words):
                kinds.add(kind)
        return cls(runs=frozenset(runs),
                   groups=frozenset(g for g in sheet.groups if _named(text, g)),
                   metrics=frozenset(m for m in sheet.metrics if _metric_named(text, m)),
                   kinds=frozenset(kinds), primary=sheet.primary_metric)

    def admits(self, fact: Fact) -> bool:
        if fact.kind not in self.kinds:
            return False
        if self.runs and fact.run not in self.runs:
            return False
        if fact.group is None:
            if self.groups:
                return False
        elif self.groups and fact.group not in self.groups:
            return False
        metric = fact.metric or self.primary
        return metric in self.metrics if self.metrics else metric == self.primary


def matches(number: Number, value: float) -> bool:
    """``number`` printed from ``value`` (either sign; a percentage of a fraction too)."""
    x, tol = number.value, number.tolerance
    if abs(abs(x) - abs(value)) <= tol:
        return True
    return number.percent and abs(abs(x) - abs(value) * 100) <= tol


def derivations(values: Iterable[float]) -> list[float]:
    """Differences, ratios, percent changes and percentage-point differences of pairs."""
    out = []
    for a, b in permutations(dict.fromkeys(values), 2):
        out += [a - b, (a - b) * 100]
        if b:
            out += [a / b, (a - b) / abs(b) * 100]
    return out


def named_derivations(scope: Scope, sheet: FactSheet) -> list[float]:
    """The differences, percentage points, relative changes and ratios between the runs a
    unit names (or all runs) and the baseline, in each group and over the groups."""
    means: dict[tuple[str | None, str | None], dict[int, float]] = {}
    for f in sheet.facts:
        if f.kind in ("mean", "primary") and (not scope.runs or f.run in scope.runs | {0}) \
                and (not scope.groups or f.group in scope.groups):
            metric = f.metric or scope.primary
            if metric in scope.metrics if scope.metrics else metric == scope.primary:
                means.setdefault((f.group, metric), {})[f.run] = f.value
    out: list[float] = []
    for by_run in means.values():
        base = by_run.get(0)
        for run, value in by_run.items():
            for other, against in by_run.items():
                if run != other and (other == 0 or base is None or not scope.runs
                                     or other in scope.runs):
                    diff = value - against
                    out += [diff, diff * 100]
                    if against:
                        out += [value / against, diff / abs(against) * 100]
    return out


def _structural(number: Number, sheet: FactSheet, text: str) -> bool:
    """A true count, or a configuration value that the unit names (``momentum of 0.9``)."""
    x = number.value
    if number.tolerance >= 0.5 and x.is_integer() and int(abs(x)) in sheet.counts:
        return True
    return any(abs(x - value) <= 1e-9 * max(1.0, abs(value))
               and any(re.search(rf"(?<![a-z]){re.escape(w)}", text) for w in words)
               for value, words in sheet.config.items())


def check_unit(unit: Unit, sheet: FactSheet) -> tuple[int, list[NumberProblem]]:
    """(how many numbers were checked, the problems) for one unit."""
    found = numbers(digits(unit.text))
    if not found:
        return 0, []
    scope = Scope.of(unit, sheet, numbers=len(found))
    candidates = [f.value for f in sheet.facts if scope.admits(f)]
    anchors: list[float] = []
    unmatched: list[Number] = []
    text = plain(f"{unit.context} {unit.text}")
    for n in found:
        hit = next((v for v in candidates if matches(n, v)), None)
        if hit is not None:
            anchors.append(hit)
        elif not _structural(n, sheet, text):
            unmatched.append(n)
    if not unmatched:
        return len(found), []
    derived = derivations(anchors)  # of values printed in the same unit
    # and, for a number its words call a difference, a ratio or a change ("by 12.25
    # percentage points", "3 times"), of the runs the unit names, group by group
    stated = [q.number.value for clause in read(unit, sheet).clauses
              for q in clause.quotes if q.role == "derived"]
    named = named_derivations(scope, sheet) if stated else []
    problems = [NumberProblem(number=n.text, unit=unit.text) for n in unmatched
                if not any(matches(n, v) for v in derived)
                and not (any(abs(n.value - x) < 1e-9 for x in stated)
                         and any(abs(abs(n.value) - abs(v)) <= n.tolerance for v in named))]
    return len(found), problems


def check_numbers(latex: str, sheet: FactSheet,
                  authored: frozenset[str] = frozenset()) -> tuple[int, list[NumberProblem]]:
    """Every number of a LaTeX fragment: (how many were checked, the problems). A problem in
    a unit of ``authored`` (the author's draft, word for word) is marked ``from_draft``."""
    checked, problems = 0, []
    for unit in units(strip_comments(latex)):
        n, found = check_unit(unit, sheet)
        checked += n
        if unit_key(unit.text) in authored:
            found = [p.model_copy(update={"from_draft": True}) for p in found]
        problems += found
    return checked, problems


def locked_block(source: str) -> str | None:
    match = re.search(re.escape(LOCK_BEGIN) + r"(.*?)" + re.escape(LOCK_END), source, re.DOTALL)
    return match.group(1).strip() if match else None


def check_table(source: str, expected: str) -> list[str]:
    """The generated results table must be in the source exactly as generated."""
    found, want_block = locked_block(source), locked_block(expected)
    if found is None:
        return ["the generated results table is missing"]
    if found == want_block:
        return []
    want = {n.text for n in numbers(want_block or expected)}
    changed = sorted({n.text for n in numbers(found)} - want)
    detail = f" (numbers not generated: {', '.join(changed[:8])})" if changed else ""
    return [f"the generated results table was changed{detail}"]


def check_references(tex: str, bib_keys: set[str]) -> list[str]:
    """Every \\ref has a \\label, every \\cite key is in references.bib, nothing appears twice."""
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
