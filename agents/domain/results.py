"""Experiment results as typed values: ``final_info.json`` and the statistics over seeds.

``final_info.json`` is written by model-edited code inside the sandbox, so it is untrusted:
``FinalInfo.parse`` validates it once, where results enter the run, and everything after reads
numbers, never strings. The contract (TEMPLATES.md)::

    {group: {"means": {metric: number, ...}, "stderrs": {metric: number}, ...extra keys}}

``means`` may also be one number (its metric is then called ``value``). A string or a boolean
where a number belongs is rejected with a message that names the group and the metric.

    >>> info = FinalInfo.parse({"moons": {"means": {"val_accuracy": 0.91}}})
    >>> info.value("moons", "val_accuracy")
    0.91
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, Strict

Number = Annotated[float, Strict()]  # int or float; never a bool or a string
SINGLE_METRIC = "value"
#: Names are typeset and shown to models: they must stay short and few.
MAX_NAME_CHARS = 80
MAX_GROUPS = 50
MAX_METRICS = 50


class ResultsError(ValueError):
    """A result that does not meet the results contract (the message says where and how)."""


class GroupResult(BaseModel):
    """One group (a dataset, a task) of a result."""

    model_config = ConfigDict(extra="allow", frozen=True)

    means: dict[str, Number]
    stderrs: dict[str, Number] = Field(default_factory=dict)


class FinalInfo(RootModel[dict[str, GroupResult]]):
    """A validated ``final_info.json``."""

    model_config = ConfigDict(frozen=True)

    @classmethod
    def parse(cls, data: Any) -> FinalInfo:
        """Validate raw JSON data; ``ResultsError`` with every problem found."""
        problems = contract_problems(data)
        if problems:
            raise ResultsError("; ".join(problems))
        groups = {}
        for group, value in data.items():
            means = value["means"]
            means = {SINGLE_METRIC: means} if not isinstance(means, dict) else means
            stderrs = value.get("stderrs")
            extra = {k: v for k, v in value.items() if k not in ("means", "stderrs")}
            groups[str(group)] = GroupResult(
                means={str(k): float(v) for k, v in means.items()},
                stderrs={str(k): float(v) for k, v in stderrs.items()
                         if _is_number(v)} if isinstance(stderrs, dict) else {},
                **extra)
        return cls(groups)

    @property
    def groups(self) -> list[str]:
        return list(self.root)

    @property
    def metrics(self) -> list[str]:
        """Every metric name, in the order first seen."""
        seen: dict[str, None] = {}
        for group in self.root.values():
            seen.update(dict.fromkeys(group.means))
        return list(seen)

    def value(self, group: str, metric: str) -> float | None:
        result = self.root.get(group)
        return None if result is None else result.means.get(metric)

    def stderr(self, group: str, metric: str) -> float | None:
        result = self.root.get(group)
        return None if result is None else result.stderrs.get(metric)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def contract_problems(data: Any) -> list[str]:
    """Everything wrong with a raw final_info value, as readable messages (empty when valid)."""
    if not isinstance(data, dict) or not data:
        return ['final_info.json must be a non-empty JSON object {group: {"means": {...}}}']
    if len(data) > MAX_GROUPS:
        return [f"final_info.json has {len(data)} groups; at most {MAX_GROUPS} are allowed"]
    problems = [f"final_info.json: the name {str(name)[:40]!r}... is longer than {MAX_NAME_CHARS} "
                f"characters" for name in _names(data) if len(str(name)) > MAX_NAME_CHARS][:3]
    for group, value in data.items():
        if not isinstance(value, dict) or "means" not in value:
            problems.append(f"final_info.json group {group!r} has no \"means\" "
                            f"(expected {{\"{group}\": {{\"means\": {{metric: number}}}}}})")
            continue
        means = value["means"]
        if isinstance(means, dict) and len(means) > MAX_METRICS:
            problems.append(f"final_info.json group {group!r}: {len(means)} metrics; at most "
                            f"{MAX_METRICS} are allowed")
        elif isinstance(means, dict):
            if not means:
                problems.append(f"final_info.json group {group!r}: means is empty")
            bad = [k for k, v in means.items() if not _is_number(v)]
            if bad:
                problems.append(f"final_info.json group {group!r}: means {bad} are not numbers")
        elif not _is_number(means):
            problems.append(f"final_info.json group {group!r}: means must be a number or an object")
        stderrs = value.get("stderrs")
        if stderrs is not None and not isinstance(stderrs, dict):
            problems.append(f"final_info.json group {group!r}: stderrs must be an object")
        elif isinstance(stderrs, dict):
            bad = [k for k, v in stderrs.items() if not _is_number(v)]
            if bad:
                problems.append(f"final_info.json group {group!r}: stderrs {bad} are not numbers")
    return problems


def _names(data: dict[str, Any]) -> list[str]:
    names = list(data)
    for value in data.values():
        for part in ("means", "stderrs"):
            if isinstance(value, dict) and isinstance(value.get(part), dict):
                names += list(value[part])
    return names


# ---- statistics over seeds -----------------------------------------------------------------


class MetricStats(BaseModel):
    """One metric of one group over the seeds of a run."""

    model_config = ConfigDict(frozen=True)

    n: int
    mean: float
    std: float | None = None  # sample standard deviation (n >= 2)
    ci_low: float | None = None  # 95 % confidence interval of the mean (t distribution)
    ci_high: float | None = None
    values: list[float] = Field(default_factory=list)
    #: the interval was cut at the metric's range (an accuracy's at 1, a loss's at 0)
    clipped: bool = False

    @property
    def half_width(self) -> float | None:
        """Half the interval's width; ``None`` for a cut interval, which is not mean ± h."""
        if self.ci_low is None or self.ci_high is None or self.clipped:
            return None
        return (self.ci_high - self.ci_low) / 2


class Comparison(BaseModel):
    """A run against the baseline on the primary metric in one group."""

    model_config = ConfigDict(frozen=True)

    group: str
    metric: str
    difference: float  # run mean - baseline mean
    p_value: float | None = None  # Welch's t-test, two-sided; None when n < 2 on a side
    p_adjusted: float | None = None  # Holm-corrected over every comparison of the idea
    significant: bool = False
    better: bool = False  # the difference goes the better way (lower or higher)


class RunStats(BaseModel):
    """Per group and metric, the statistics of a run over its seeds."""

    model_config = ConfigDict(frozen=True)

    n_seeds: int
    groups: dict[str, dict[str, MetricStats]] = Field(default_factory=dict)
    comparisons: list[Comparison] = Field(default_factory=list)

    def get(self, group: str, metric: str) -> MetricStats | None:
        return self.groups.get(group, {}).get(metric)

    def comparison(self, group: str) -> Comparison | None:
        return next((c for c in self.comparisons if c.group == group), None)


def finite(values: list[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]
