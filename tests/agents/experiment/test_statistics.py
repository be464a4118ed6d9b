"""Statistics over seeds: the t interval, Welch's test against the baseline, Holm's correction."""

from __future__ import annotations

import math

import pytest
from scipy import stats as scipy_stats

from agents.domain.results import FinalInfo
from agents.experiment.statistics import compare_runs, holm, metric_stats, summarize


def test_the_interval_is_the_t_interval_of_the_mean() -> None:
    s = metric_stats([0.8, 0.9, 1.0])
    half = scipy_stats.t.ppf(0.975, 2) * 0.1 / math.sqrt(3)
    assert s.n == 3 and math.isclose(s.mean, 0.9) and math.isclose(s.std or 0, 0.1)
    assert math.isclose(s.ci_low or 0, 0.9 - half) and math.isclose(s.half_width or 0, half)
    assert metric_stats([0.5]).ci_low is None  # one seed: no interval


def _infos(values: list[float]) -> list[FinalInfo]:
    return [FinalInfo.parse({"g": {"means": {"acc": v}}}) for v in values]


def test_a_clear_gain_is_significant_and_noise_is_not() -> None:
    _, base = summarize(_infos([0.80, 0.81, 0.79]))
    _, gain = summarize(_infos([0.90, 0.91, 0.92]))
    _, noise = summarize(_infos([0.81, 0.78, 0.80]))
    compared = compare_runs(base, {1: gain, 2: noise}, "acc", lower_is_better=False)
    [c1], [c2] = compared[1].comparisons, compared[2].comparisons
    assert c1.significant and c1.better and math.isclose(c1.difference, 0.11)
    assert not c2.significant
    raw = scipy_stats.ttest_ind([0.90, 0.91, 0.92], [0.80, 0.81, 0.79], equal_var=False).pvalue
    assert math.isclose(c1.p_value or 0, raw) and (c1.p_adjusted or 0) >= raw


def test_one_seed_gives_no_test_and_nothing_significant() -> None:
    _, base = summarize(_infos([0.8]))
    _, run = summarize(_infos([0.95]))
    [c] = compare_runs(base, {1: run}, "acc", lower_is_better=False)[1].comparisons
    assert c.p_value is None and not c.significant


def test_holm_controls_the_family() -> None:
    assert holm([0.01, 0.04, None, 0.03]) == [0.03, 0.06, None, 0.06]
    assert holm([0.5]) == [0.5] and holm([]) == []


def _seeds(metric: str, values: list[float]) -> list[FinalInfo]:
    return [FinalInfo.parse({"moons": {"means": {metric: v}}}) for v in values]


def test_an_accuracys_interval_stays_inside_zero_and_one() -> None:
    """The seeds of tiny_mlp's MOMENTUM = 0.9 run on moons: the t interval is [0.7617, 1.138]."""
    values = [0.8625, 0.9925, 0.995]
    raw = metric_stats(values)
    assert raw.ci_high is not None and raw.ci_high > 1  # what the t interval alone gives
    _, stats = summarize(_seeds("val_accuracy", values))
    s = stats.get("moons", "val_accuracy")
    assert s is not None and s.ci_high == 1.0 and s.ci_low == raw.ci_low and s.clipped
    assert s.half_width is None, "a cut interval is not mean +- h"


def test_a_loss_interval_never_goes_below_zero_and_an_unknown_metric_is_not_cut() -> None:
    _, stats = summarize(_seeds("final_train_loss", [0.01, 0.35, 0.002]))
    loss = stats.get("moons", "final_train_loss")
    assert loss is not None and loss.ci_low == 0.0
    _, stats = summarize(_seeds("score_delta", [0.01, 0.35, 0.002]))
    other = stats.get("moons", "score_delta")
    assert other is not None and other.ci_low is not None and other.ci_low < 0 and not other.clipped


def test_a_declared_range_wins_and_values_outside_a_guessed_range_cancel_it() -> None:
    _, stats = summarize(_seeds("reward", [0.2, 0.9, 0.95]), {"reward": (0.0, 1.0)})
    reward = stats.get("moons", "reward")
    assert reward is not None and reward.ci_high == 1.0
    _, stats = summarize(_seeds("kl_loss", [-0.2, 0.1, 0.05]))  # an estimate that can go negative
    kl = stats.get("moons", "kl_loss")
    assert kl is not None and kl.ci_low is not None and kl.ci_low < -0.2 and not kl.clipped
def test_the_correction_counts_every_variant_tried_not_only_those_compared() -> None:
    _, base = summarize(_infos([0.80, 0.81, 0.79, 0.80]))
    _, gain = summarize(_infos([0.82, 0.825, 0.81, 0.83]))  # p about 0.011
    [alone] = compare_runs(base, {1: gain}, "acc", lower_is_better=False)[1].comparisons
    [among] = compare_runs(base, {1: gain}, "acc", lower_is_better=False,
                           family=12)[1].comparisons  # one of 12 comparisons tried
    assert alone.p_value == among.p_value and alone.p_value is not None
    assert alone.significant and not among.significant, "the best of 12 is not a finding here"
    assert among.p_adjusted is not None and math.isclose(among.p_adjusted, 12 * alone.p_value,
                                                         rel_tol=1e-9)
    assert holm([0.01, 0.02], family=2) == holm([0.01, 0.02])  # a family no larger: unchanged


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy's, on the constant sample
def test_welch_p_and_t_quantile_are_scipy_stats_own() -> None:
    """The t-test and interval use scipy.special's t distribution (scipy.stats costs a second
    of CPU to import): on samples of the sizes runs have, they equal scipy.stats' results."""
    import random

    from agents.experiment.statistics import t_quantile, welch_p

    rng = random.Random(7)
    for _ in range(200):
        a = [rng.gauss(0.8, rng.uniform(0.001, 0.1)) for _ in range(rng.randint(2, 8))]
        b = [rng.gauss(rng.choice([0.8, 0.82, 0.9]), rng.uniform(0.001, 0.1))
             for _ in range(rng.randint(2, 8))]
        want = scipy_stats.ttest_ind(a, b, equal_var=False).pvalue
        assert math.isclose(welch_p(a, b), want, rel_tol=1e-9, abs_tol=1e-15)
    b_const = [0.5, 0.5, 0.5]
    assert math.isclose(welch_p([0.4, 0.6, 0.55], b_const),
                        scipy_stats.ttest_ind([0.4, 0.6, 0.55], b_const, equal_var=False).pvalue)
    for df in (1, 2, 4, 9, 30):
        assert math.isclose(t_quantile(0.975, df), scipy_stats.t.ppf(0.975, df), rel_tol=1e-12)
