"""Statistics over seeds: means, 95 % confidence intervals, and tests against the baseline.

Every variant (the baseline included) runs once per seed. Per group and metric a run gets the
mean, the sample standard deviation and a 95 % confidence interval of the mean from the t
distribution (n >= 2), cut at the metric's range: an accuracy's interval stays in [0, 1] (or
[0, 100] for a percentage), a loss's, a time's or a distance's never goes below 0. The range
is the template's declaration (``[metrics.<name>] range = [low, high]`` in template.toml) or
follows from the metric's name (``metric_range``), and is used only when every value lies in
it. Cutting a 95 % interval to the set the mean must lie in keeps its coverage. On the primary
metric each run is compared with the baseline in every group by Welch's t-test (two-sided,
scipy); the p-values of all comparisons of an idea are Holm-corrected together, and a
difference is significant when its corrected p-value is below ``ALPHA``. With one seed on
either side there is no test: nothing is significant.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from statistics import mean, stdev
from types import ModuleType

from agents.domain import Comparison, FinalInfo, GroupResult, MetricStats, RunStats, finite

ALPHA = 0.05
CONFIDENCE = 0.95


def scipy_special() -> ModuleType:
    """scipy.special (Student's t distribution), imported when first needed; a run imports it
    in the background while the baseline's jobs run (``agents.workflow.runner``). Not
    scipy.stats: its import parses docstrings for a second of CPU, and only the t
    distribution is used here."""
    import importlib

    return importlib.import_module("scipy.special")


def t_quantile(q: float, df: float) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (``stats.t.ppf``)."""
    return float(scipy_special().stdtrit(df, q))


def welch_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of Welch's t-test (``stats.ttest_ind(a, b, equal_var=False)``), for
    samples of at least two values each, not both constant."""
    va, vb = stdev(a) ** 2 / len(a), stdev(b) ** 2 / len(b)
    t = (mean(a) - mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return float(2 * scipy_special().stdtr(df, -abs(t)))


Range = tuple[float | None, float | None]
_FRACTION = ("acc", "accuracy", "precision", "recall", "f1", "auroc", "auc", "grokked", "iou",
             "dice", "rate_correct")
_NON_NEGATIVE = ("loss", "time", "wasserstein", "distance", "mse", "rmse", "mae", "perplexity",
                 "step", "steps", "nll", "fid", "error", "err", "std", "variance", "norm")


def metric_range(name: str, values: Sequence[float],
                 declared: dict[str, Range] | None = None) -> Range:
    """The values ``name`` can take: the template's declaration, else what its name says
    (accuracies in [0, 1] or [0, 100], losses, times and distances at least 0), used only
    when every value lies in it; (None, None) when nothing is known."""
    if declared and name in declared:
        return declared[name]
    words = [w for w in re.split(r"[_\W]+", name.lower()) if w]
    kept = finite(list(values))
    if "loss" not in words and any(w in _FRACTION or w.startswith("accura") for w in words):
        high = 100.0 if any(v > 1 for v in kept) else 1.0
        bounds: Range = (0.0, high)
    elif any(w in _NON_NEGATIVE for w in words):
        bounds = (0.0, None)
    else:
        return (None, None)
    low, high_ = bounds
    if any((low is not None and v < low) or (high_ is not None and v > high_) for v in kept):
        return (None, None)
    return bounds


def metric_stats(values: Sequence[float], bounds: Range = (None, None)) -> MetricStats:
    kept = finite(list(values))
    if not kept:
        return MetricStats(n=0, mean=math.nan, values=list(values))
    m = mean(kept)
    if len(kept) < 2:
        return MetricStats(n=len(kept), mean=m, values=kept)
    sd = stdev(kept)
    half = t_quantile(0.5 + CONFIDENCE / 2, len(kept) - 1) * sd / math.sqrt(len(kept))
    low, high = m - half, m + half
    clipped_low = max(low, bounds[0]) if bounds[0] is not None else low
    clipped_high = min(high, bounds[1]) if bounds[1] is not None else high
    return MetricStats(n=len(kept), mean=m, std=sd, ci_low=clipped_low, ci_high=clipped_high,
                       values=kept, clipped=(clipped_low, clipped_high) != (low, high))


def summarize(seed_infos: Sequence[FinalInfo],
              ranges: dict[str, Range] | None = None) -> tuple[FinalInfo, RunStats]:
    """The mean result over seeds (as a ``FinalInfo``) and its statistics; ``ranges`` are the
    template's declared metric ranges."""
    groups: dict[str, dict[str, MetricStats]] = {}
    for group in _ordered(info.groups for info in seed_infos):
        metrics = _ordered(info.root[group].means for info in seed_infos if group in info.root)
        groups[group] = {}
        for m in metrics:
            values = [v for info in seed_infos if (v := info.value(group, m)) is not None]
            groups[group][m] = metric_stats(values, metric_range(m, values, ranges))
    mean_info = FinalInfo({
        g: GroupResult(means={m: s.mean for m, s in ms.items()},
                       stderrs={m: s.std / math.sqrt(s.n) for m, s in ms.items()
                                if s.std is not None})
        for g, ms in groups.items()})
    return mean_info, RunStats(n_seeds=len(seed_infos), groups=groups)


def _ordered(keys_per_item: object) -> list[str]:
    seen: dict[str, None] = {}
    for keys in keys_per_item:  # type: ignore[attr-defined]
        seen.update(dict.fromkeys(keys))
    return list(seen)


def compare_runs(baseline: RunStats, runs: dict[int, RunStats], metric: str,
                 lower_is_better: bool, *, family: int = 0) -> dict[int, RunStats]:
    """Each run's stats with its comparisons against the baseline (Holm over all of them, or
    over ``family`` comparisons when that is more: the variants tried but not compared here
    count as p = 1, so a selection cannot shrink the correction)."""
    raw: list[tuple[int, str, float, float | None]] = []
    for index, run in runs.items():
        for group in run.groups:
            base, this = baseline.get(group, metric), run.get(group, metric)
            if base is None or this is None or not (base.n and this.n):
                continue
            p = None
            if base.n >= 2 and this.n >= 2:
                if (base.std or 0) == 0 and (this.std or 0) == 0:
                    p = 1.0 if base.mean == this.mean else 0.0
                else:
                    p = welch_p(this.values, base.values)
            raw.append((index, group, this.mean - base.mean, p))
    adjusted = holm([p for *_, p in raw], family=family)
    out = {index: run.model_copy(update={"comparisons": []}) for index, run in runs.items()}
    for (index, group, diff, p), p_adj in zip(raw, adjusted, strict=True):
        better = diff < 0 if lower_is_better else diff > 0
        comparison = Comparison(group=group, metric=metric, difference=diff, p_value=p,
                                p_adjusted=p_adj, better=better,
                                significant=p_adj is not None and p_adj < ALPHA)
        out[index] = out[index].model_copy(
            update={"comparisons": [*out[index].comparisons, comparison]})
    return out


def holm(p_values: Sequence[float | None], *, family: int = 0) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values (None stays None and is not counted). ``family``:
    the number of hypotheses in all, when more were tested than are given here (the others
    count as p = 1: they come last in Holm's order and change nothing but ``m``).

        >>> holm([0.01, 0.04, None, 0.03])
        [0.03, 0.06, None, 0.06]
        >>> holm([0.01], family=4)
        [0.04]
    """
    present = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = max(len(present), family)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = round(running, 12)
    return adjusted
