"""What a paper may say: every number the runs produced, and what each one is about.

A ``FactSheet`` holds each value of an idea's runs with its run, group, metric and kind
(a mean, a bound of the 95 % interval, a standard error, one seed's value, a p-value, a
difference from the baseline), the names by which a sentence can point at a run, a group or
a metric, the true counts (seeds, runs, groups) and the configuration values that describe
what ran (the constants the idea changed, the template's knobs). The checks in
``integrity.py`` and ``claims.py`` read nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from agents.domain.experiments import ExperimentRun, IdeaOutcome

_KNOB = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*\[?([-+]?[\d.]+(?:[eE][-+]?\d+)?)", re.MULTILINE)
_DEFAULT = re.compile(r"[\"'](--[\w-]+)[\"'][^\n]*?default\s*=\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)")
_ANY_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")

Kind = str  # "mean" | "ci" | "spread" | "seed" | "p" | "difference" | "primary"


@dataclass(frozen=True)
class Fact:
    value: float
    run: int
    group: str | None  # None: across groups (a run's primary value)
    metric: str | None
    kind: Kind


@dataclass
class FactSheet:
    facts: list[Fact] = field(default_factory=list)
    run_aliases: dict[int, list[str]] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    primary_metric: str = ""
    counts: set[int] = field(default_factory=set)
    #: configuration values, each with the words that name it (``momentum``, ``learning rate``)
    config: dict[float, set[str]] = field(default_factory=dict)
    significant_better: dict[int, bool] = field(default_factory=dict)

    def of(self, kinds: set[str]) -> Iterator[Fact]:
        return (f for f in self.facts if f.kind in kinds)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("_", " ").lower()).strip()


def _run_facts(run: ExperimentRun) -> Iterator[Fact]:
    if run.primary is not None:
        yield Fact(run.primary, run.index, None, None, "primary")
    if run.stats is not None:
        for group, metrics in run.stats.groups.items():
            for metric, s in metrics.items():
                yield Fact(s.mean, run.index, group, metric, "mean")
                for v in (s.ci_low, s.ci_high, s.half_width):
                    if v is not None:
                        yield Fact(v, run.index, group, metric, "ci")
                if s.std is not None:
                    yield Fact(s.std, run.index, group, metric, "spread")
                    yield Fact(s.std / s.n ** 0.5, run.index, group, metric, "spread")
                for v in s.values:
                    yield Fact(v, run.index, group, metric, "seed")
        for c in run.stats.comparisons:
            yield Fact(c.difference, run.index, c.group, c.metric, "difference")
            for p in (c.p_value, c.p_adjusted):
                if p is not None:
                    yield Fact(p, run.index, c.group, c.metric, "p")
    elif run.final_info is not None:
        for group in run.final_info.groups:
            for metric, v in run.final_info.root[group].means.items():
                yield Fact(v, run.index, group, metric, "mean")


_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
NEAR_WORDS = 4


def _names(identifier: str) -> set[str]:
    """``LEARNING_RATE`` -> {'learning rate', 'learning', 'rate'} (parts of 4+ letters)."""
    spaced = identifier.lower().strip("-").replace("_", " ").replace("-", " ")
    return {spaced, *(w for w in spaced.split() if len(w) >= 4)}


def config_numbers(text: str) -> dict[float, set[str]]:
    """Each number of ``text`` with the words near it (and the identifiers of its line)."""
    found: dict[float, set[str]] = {}
    for line in text.splitlines():
        identifiers = set().union(*(_names(w) for w in re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", line)))
        tokens = list(re.finditer(r"\S+", line))
        for i, token in enumerate(tokens):
            for raw in _ANY_NUMBER.findall(token.group(0).strip(".,;:()")):
                near = " ".join(t.group(0) for t in tokens[max(0, i - NEAR_WORDS):i + NEAR_WORDS + 1])
                words = {w.lower() for w in _WORD.findall(near) if len(w) >= 4}
                found.setdefault(float(raw), set()).update(identifiers | words)
    return found


def fact_sheet(outcome: IdeaOutcome, template_code: str = "", setup: str = "",
               plan: list[str] | None = None) -> FactSheet:
    """The facts of an idea's runs; ``template_code`` and ``setup`` (the template's own
    description of itself and its data) give the configuration values."""
    runs = [r for r in outcome.runs if r.ok]
    sheet = FactSheet(primary_metric=outcome.primary_metric)
    base = outcome.baseline
    for run in runs:
        sheet.facts.extend(_run_facts(run))
        aliases = ["baseline", "unmodified"] if run.index == 0 else [
            f"run {run.index}", f"run~{run.index}", f"run\\_{run.index}", f"run_{run.index}",
            _words(run.description)]
        sheet.run_aliases[run.index] = [a for a in aliases if a]
        if base is not None and base.primary is not None and run.primary is not None and run.index:
            sheet.facts.append(Fact(run.primary - base.primary, run.index, None, None, "difference"))
        if run.stats is not None and run.index:
            sheet.significant_better[run.index] = any(
                c.significant and c.better for c in run.stats.comparisons)
    first = next((r.final_info for r in runs if r.final_info is not None), None)
    if first is not None:
        sheet.groups, sheet.metrics = first.groups, first.metrics
    n_seeds = base.stats.n_seeds if base is not None and base.stats else 1
    sheet.counts = {n_seeds, len(runs), len(runs) - 1, len(sheet.groups), len(sheet.metrics),
                    len(outcome.runs), len(outcome.runs) - 1}
    sheet.counts |= {sum(len(r.stats.comparisons) for r in runs if r.stats)}
    described = [outcome.idea.experiment, setup, *(plan or []), *(r.description for r in outcome.runs)]
    diffs = [line for r in outcome.runs for line in r.diff.splitlines()
             if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    sheet.config = config_numbers("\n".join(described + diffs))
    for name, raw in _KNOB.findall(template_code) + _DEFAULT.findall(template_code):
        try:
            sheet.config.setdefault(float(raw), set()).update(_names(name))
        except ValueError:
            continue
    if outcome.selection is not None:  # every variant tried, on validation; the counts
        from agents.paper.selection import selection_facts

        selection_facts(sheet, outcome.selection)
    return sheet
