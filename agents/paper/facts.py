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

from agents.domain import Comparison, ExperimentRun, IdeaOutcome, MetricStats
from agents.paper.spelled import digits

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
    #: the typed results the claim check reads (``agents.paper.truth``)
    stats: dict[tuple[int, str, str], MetricStats] = field(default_factory=dict)
    comparisons: dict[tuple[int, str], Comparison] = field(default_factory=dict)
    primary_by_run: dict[int, float] = field(default_factory=dict)
    descriptions: dict[int, str] = field(default_factory=dict)
    #: per run, the settings that describe it (``{"momentum": 0.9}``; the baseline's defaults)
    settings: dict[int, dict[str, float]] = field(default_factory=dict)
    n_seeds: int = 1
    #: the true count for each counted noun ("seeds": {3}); a noun not here is not checked
    noun_counts: dict[str, set[int]] = field(default_factory=dict)
    lower_is_better: bool = False
    #: the names of the template's knobs and of the settings the runs changed ("momentum")
    setting_names: set[str] = field(default_factory=set)
    #: every value each setting had in what ran (the template's, and each run's)
    setting_values: dict[str, set[float]] = field(default_factory=dict)
    #: what ran, in words (template description, data, code, idea, diffs): the names it uses
    vocabulary: str = ""
    #: runs named by a word value of a setting ("the cosine schedule"): per run, (the value,
    #: the words of the setting's name: "cosine" names the run only near "schedule")
    named_values: dict[int, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)
    #: each variant's primary metric on validation, mean over groups (every variant tried)
    validation: dict[int, float] = field(default_factory=dict)
    validation_metric: str = ""

    def of(self, kinds: set[str]) -> Iterator[Fact]:
        return (f for f in self.facts if f.kind in kinds)


_SHARE = re.compile(r"acc|f1|precision|recall|auroc|\bauc|error_rate|fraction|share|percent")


def percent_scale(metric: str, values: list[float]) -> float | None:
    """What turns a difference of ``metric`` into percentage points: 100 for a share in [0, 1]
    (an accuracy), 1 for one in [0, 100]; None for a metric that is no share (a loss, a KL
    divergence), whose differences have no percentage points."""
    if not _SHARE.search(metric.lower()) or not values or min(values) < 0:
        return None
    return 100.0 if max(values) <= 1 else 1.0 if max(values) <= 100 else None


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
               plan: list[str] | None = None, *, data: str | None = None) -> FactSheet:
    """The facts of an idea's runs; ``template_code`` and ``setup`` (the template's own
    description of itself and its data) give the configuration values; ``data`` (the
    template's description of its data) tells whether its groups are datasets."""
    runs = [r for r in outcome.runs if r.ok]
    sheet = FactSheet(primary_metric=outcome.primary_metric,
                      lower_is_better=outcome.lower_is_better)
    base = outcome.baseline
    for run in runs:
        sheet.facts.extend(_run_facts(run))
        _typed(sheet, run)
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
    sheet.config = config_numbers(digits("\n".join(described + diffs)))
    knobs: dict[str, float] = {}
    for name, raw in _KNOB.findall(template_code) + _DEFAULT.findall(template_code):
        try:
            sheet.config.setdefault(float(raw), set()).update(_names(name))
            knobs.setdefault(name.lower().strip("-").replace("_", " ").replace("-", " "), float(raw))
        except ValueError:
            continue
    sheet.n_seeds = n_seeds
    sheet.settings = run_settings(outcome, knobs)
    sheet.setting_names = set(knobs) | {n for s in sheet.settings.values() for n in s}
    for name, value in [*knobs.items(), *((n, v) for s in sheet.settings.values()
                                          for n, v in s.items())]:
        sheet.setting_values.setdefault(name, set()).add(value)
    sheet.noun_counts = _noun_counts(sheet, outcome, setup if data is None else data,
                                     "\n".join([setup, *described]), knobs)
    sheet.vocabulary = "\n".join([template_code, *described, *diffs]).lower()
    if outcome.selection is not None:  # every variant tried, on validation; the counts
        from agents.paper.selection import selection_facts

        selection_facts(sheet, outcome.selection)
    tried = outcome.selection.tried if outcome.selection is not None else []
    described_runs = {**{t.node: t.description for t in tried},
                      **{r.index: r.description for r in outcome.runs if r.index}}
    sheet.named_values = named_values(described_runs, template_code)
    return sheet


_SET_TO = re.compile(r"\b([A-Z][A-Z0-9_]{2,})\b[^.;]{0,60}?\bto\s+['\"]([A-Za-z][\w-]{2,30})['\"]")


def named_values(descriptions: dict[int, str],
                 template_code: str) -> dict[int, list[tuple[str, frozenset[str]]]]:
    """The runs a word value names: a run whose description sets a setting to a quoted word
    ("Change BETA_SCHEDULE from 'linear' to 'cosine'") is "the cosine ..." and the baseline is
    "the linear ..." when the template's code sets it so."""
    out: dict[int, list[tuple[str, frozenset[str]]]] = {}
    for index, text in descriptions.items():
        for name, value in _SET_TO.findall(text):
            words = frozenset(w for w in _names(name) if " " not in w) or frozenset(_names(name))
            out.setdefault(index, []).append((value.lower(), words))
            base = re.search(rf"^\s*{re.escape(name)}\s*(?::[^=\n]*)?=\s*['\"]([\w-]+)['\"]",
                             template_code, re.MULTILINE)
            if base and base.group(1).lower() != value.lower() \
                    and (base.group(1).lower(), words) not in out.get(0, []):
                out.setdefault(0, []).append((base.group(1).lower(), words))
    return out


def _typed(sheet: FactSheet, run: ExperimentRun) -> None:
    sheet.descriptions[run.index] = run.description
    if run.primary is not None:
        sheet.primary_by_run[run.index] = run.primary
    if run.stats is not None:
        for group, metrics in run.stats.groups.items():
            for metric, s in metrics.items():
                sheet.stats[(run.index, group, metric)] = s
        for c in run.stats.comparisons:
            sheet.comparisons[(run.index, c.group)] = c
    elif run.final_info is not None:
        for group in run.final_info.groups:
            for metric, v in run.final_info.root[group].means.items():
                sheet.stats[(run.index, group, metric)] = MetricStats(n=1, mean=v, values=[v])


_SETTING = re.compile(r"\b([A-Za-z][A-Za-z0-9_ -]{1,40}?)\s*(?:=|:|\bto\b|\bof\b|\bat\b)\s*"
                      r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w.])")


def _setting_name(raw: str) -> str:
    words = raw.lower().replace("_", " ").replace("-", " ").split()
    stop = {"set", "from", "change", "changed", "increase", "decrease", "raise", "lower", "the",
            "a", "an", "with", "and", "then", "use", "using", "its", "reduce", "double", "halve"}
    while words and words[0] in stop:
        words = words[1:]
    return " ".join(words[-3:])


def run_settings(outcome: IdeaOutcome, knobs: dict[str, float]) -> dict[int, dict[str, float]]:
    """The settings each run is described by: what its description and its diff set (``+``
    lines), and for the baseline the template's values of the same names (``-`` lines)."""
    out: dict[int, dict[str, float]] = {}
    base: dict[str, float] = {}
    for run in outcome.runs:
        mine: dict[str, float] = {}
        added = [line[1:] for line in run.diff.splitlines()
                 if line.startswith("+") and not line.startswith("+++")]
        removed = [line[1:] for line in run.diff.splitlines()
                   if line.startswith("-") and not line.startswith("---")]
        for text, target in ((run.description, mine), ("\n".join(added), mine),
                             ("\n".join(removed), base)):
            for name, raw in _KNOB.findall(text):
                target.setdefault(_setting_name(name), float(raw))
            if text is run.description:
                for name, raw in _SETTING.findall(text):
                    if _setting_name(name):
                        target.setdefault(_setting_name(name), float(raw))
        if run.index:
            out[run.index] = mine
    named = {name for settings in out.values() for name in settings}
    out[0] = {name: base.get(name, knobs.get(name, float("nan"))) for name in named}
    out[0] = {k: v for k, v in out[0].items() if v == v}
    return out


#: counted nouns (singular stem) -> how the sheet knows their count
_SEED_NOUNS = ("seed", "repetition", "trial", "repeat", "replicate")


_COUNTED = ("epoch", "step", "iteration", "sample", "point", "example", "layer", "class",
            "dataset", "task", "distribution", "optimizer", "optimiser", "operation")


def _noun_counts(sheet: FactSheet, outcome: IdeaOutcome, data: str, described: str,
                 knobs: dict[str, float]) -> dict[str, set[int]]:
    """The true count for each counted noun: seeds, runs, variants, groups, comparisons and
    metrics from the runs; datasets or tasks from the groups when the data description names
    them; epochs, steps, samples ... from a number just before the noun in what ran ("1797
    samples", "three tasks") or from a knob that names it (``EPOCHS = 40``)."""
    ok = [r for r in outcome.runs if r.ok]
    variants = {len(ok), len(ok) - 1, len(outcome.runs), len(outcome.runs) - 1}
    counts: dict[str, set[int]] = {noun: {sheet.n_seeds} for noun in _SEED_NOUNS}
    counts["run"] = variants | {sheet.n_seeds, sheet.n_seeds * len(ok),
                                sheet.n_seeds * (len(ok) - 1)}
    counts["variant"] = counts["configuration"] = variants
    counts["group"] = {len(sheet.groups)}
    counts["comparison"] = {len(sheet.comparisons)}
    counts["metric"] = {len(sheet.metrics)}
    named = data.lower().replace("_", " ")
    if sheet.groups and sum(g.lower().replace("_", " ") in named
                            for g in sheet.groups) * 2 >= len(sheet.groups):
        for noun in ("dataset", "task", "distribution", "problem", "benchmark"):
            counts[noun] = {len(sheet.groups)}
    for m in re.finditer(r"\b(\d+)\s+(?:[a-z0-9-]+\s+){0,3}?(" + "|".join(_COUNTED) + r")",
                         digits(described).lower()):
        counts.setdefault(m.group(2), set()).add(int(m.group(1)))
    for name, value in knobs.items():
        for noun in _COUNTED:
            if value.is_integer() and value >= 0 and noun in name:
                counts.setdefault(noun, set()).add(int(value))
    return counts
