"""The typed results a claim is checked against, asked by run, group and metric.

``Facts`` wraps a ``FactSheet``: a run's mean in a group (or over the groups), every value of a
kind (seed values, interval bounds, standard deviation and error, differences from the
baseline), and the tests of a run against the baseline. ``lower_is_better`` says which way a
metric improves: the template's word for the primary metric, the metric's name for the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from agents.domain import Comparison
from agents.paper.facts import FactSheet
from agents.paper.integrity import CI_WORDS, SPREAD_WORDS, _structural, plain
from agents.paper.numbers import Number
from agents.paper.reading import Clause, Quote
from agents.paper.wording import DIFF_BEFORE, VALUE_STATED

_LOWER = ("loss", "error", "time", "kl", "divergence", "wasserstein", "step", "perplexity", "mse",
          "mae", "rmse", "nll", "regret", "latency", "distance", "fid")
_HIGHER = ("acc", "f1", "precision", "recall", "score", "reward", "grokked", "auroc", "bleu")


def lower_is_better(sheet: FactSheet, metric: str) -> bool:
    if metric == sheet.primary_metric:
        return sheet.lower_is_better
    words = re.split(r"[_\W]+", metric.lower())
    if any(w.startswith(_LOWER) for w in words):
        return True
    if any(w.startswith(_HIGHER) for w in words):
        return False
    return sheet.lower_is_better


def fmt(x: float) -> str:
    return f"{x:.4g}"


def match(n: Number, value: float, *, signed: bool = False) -> bool:
    x = n.value
    if signed and (x < 0) != (value < 0) and abs(x) > n.tolerance:
        return False
    if abs(abs(x) - abs(value)) <= n.tolerance:
        return True
    return n.percent and abs(abs(x) - abs(value) * 100) <= n.tolerance


@dataclass
class Facts:
    """The typed results of a sheet, asked by run, group and metric."""

    sheet: FactSheet

    def groups(self) -> list[str]:
        return self.sheet.groups

    def mean(self, run: int, group: str | None, metric: str) -> float | None:
        if group is None:
            if metric == self.sheet.primary_metric and run in self.sheet.primary_by_run:
                return self.sheet.primary_by_run[run]
            values = [s.mean for (r, _, m), s in self.sheet.stats.items() if r == run and m == metric]
            return sum(values) / len(values) if values else None
        s = self.sheet.stats.get((run, group, metric))
        return s.mean if s is not None else None

    def values(self, run: int, groups: Iterable[str | None], metrics: Iterable[str],
               kinds: set[str]) -> list[float]:
        """The values of ``run`` in ``groups`` (None: over groups) and ``metrics``."""
        out: list[float] = []
        for metric in metrics:
            for group in groups:
                mean = self.mean(run, group, metric)
                if mean is not None and "mean" in kinds:
                    out.append(mean)
                if group is None:
                    continue
                s = self.sheet.stats.get((run, group, metric))
                if s is None:
                    continue
                if "seed" in kinds:
                    out += s.values
                if "ci" in kinds:
                    out += [v for v in (s.ci_low, s.ci_high, s.half_width) if v is not None]
                if "sd" in kinds and s.std is not None:
                    out.append(s.std)
                if "se" in kinds and s.std is not None:
                    out.append(s.std / s.n ** 0.5)
                c = self.sheet.comparisons.get((run, group))
                if "difference" in kinds and c is not None and c.metric == metric:
                    out.append(c.difference)
        return out

    def any_run_values(self, metrics: Iterable[str]) -> list[tuple[int, str | None, float]]:
        out = []
        for run in self.sheet.run_aliases:
            for group in [None, *self.sheet.groups]:
                for v in self.values(run, [group], metrics, {"mean", "seed", "ci"}):
                    out.append((run, group, v))
        return out


def who(run: int, sheet: FactSheet) -> str:
    return "the baseline" if run == 0 else f"run {run} ({sheet.descriptions.get(run, '')})"


def tested(facts: Facts, run: int, group: str | None) -> list[Comparison]:
    if group is None:
        return [c for (r, _), c in facts.sheet.comparisons.items() if r == run]
    c = facts.sheet.comparisons.get((run, group))
    return [c] if c is not None else []


def _reached(q: Quote, clause: Clause) -> bool:
    """The clause gives the number as what its run reached (and not as a change: "by")."""
    before = clause.text[:max(0, q.start - clause.start)]
    return bool(VALUE_STATED.search(before)) and not DIFF_BEFORE.search(before)


def attribution(q: Quote, clause: Clause | None, facts: Facts, metrics: list[str],
                who: str) -> str | None:
    """Why a stated value is not the run's (and group's) the sentence ties it to, or None."""
    if q.run is None or q.run not in facts.sheet.run_aliases:
        return None
    search: list[str | None] = [*sorted(q.groups)] if q.groups else [None, *facts.sheet.groups]
    said = f" {clause.text} " if clause is not None else " ± "
    kinds = {"mean", "difference"}  # a bound, a spread or one seed only where words say so
    kinds |= {"ci"} if any(w in said for w in CI_WORDS) else set()
    kinds |= {"sd", "se"} if any(w in said for w in (*SPREAD_WORDS, "±")) else set()
    kinds |= {"seed"} if "seed" in said else set()
    reached = clause is not None and _reached(q, clause)
    if reached:  # "reached a KL of x": x is the run's value, not its difference
        kinds.discard("difference")
    mine = facts.values(q.run, search, metrics, kinds)
    if any(match(q.number, v) for v in mine):
        return None
    others = [(r, g, v) for r, g, v in facts.any_run_values(metrics) if match(q.number, v)]
    if not others:
        difference = [g for g in search
                      if any(match(q.number, v, signed=True)
                             for v in facts.values(q.run, [g], metrics, {"difference"}))]
        if reached and difference:
            where = f" on {difference[0]}" if difference[0] else ""
            return (f"{q.number.text} is the difference of {who} from the baseline{where}, "
                    f"stated as a value it reached")
        every = facts.values(q.run, search, facts.sheet.metrics,
                             {"mean", "seed", "ci", "sd", "se", "difference"})
        if any(match(q.number, v) for v in every) or _structural(
                q.number, facts.sheet, plain(clause.text if clause else "")):
            return None
        said = " on " + ", ".join(sorted(q.groups)) if q.groups else ""
        return f"{q.number.text} is no value of {who}{said}"
    r, g, _ = others[0]
    owner = facts.sheet.descriptions.get(r, "")
    owner = "the baseline" if r == 0 else f"run {r} ({owner})"
    where = f" on {g}" if g else " over the groups"
    said = " on " + ", ".join(sorted(q.groups)) if q.groups else ""
    return (f"{q.number.text} is the value of {owner}{where}, not of {who}{said}")
