"""The primary metric is chosen from the template's own signals, shown with its reason, and
never a guess: a loss is lower-is-better without any declaration, and a template whose metric
nothing decides stops with one line asking for --metric."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agents.domain.results import FinalInfo
from agents.templates.metric_choice import MetricUndecided, choose_metric, direction_of
from agents.templates.template import load_template

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GROKKING = ["final_train_loss_mean", "final_val_loss_mean", "final_train_acc_mean",
            "final_val_acc_mean", "step_val_acc_99_mean"]


def _info(means: dict[str, float], groups: tuple[str, ...] = ("a", "b")) -> FinalInfo:
    return FinalInfo.parse({g: {"means": means} for g in groups})


def _byo(tmp_path: Path, means: dict[str, float] | None = None) -> Path:
    """The fixture template with a baseline result of the given metrics (default: its own)."""
    copy = tmp_path / "byo"
    shutil.copytree(FIXTURES / "byo_template", copy)
    (copy / "run_0").mkdir()
    info = {"dense": {"means": means or {"loss": 0.27}}, "sparse": {"means": means or {"loss": 0.3}}}
    (copy / "run_0" / "final_info.json").write_text(json.dumps(info))
    return copy


def test_a_template_whose_only_metric_is_a_loss_is_lower_is_better(tmp_path: Path) -> None:
    template = load_template(str(_byo(tmp_path)))
    assert template.primary_metric is None and template.lower_is_better is None  # no declaration
    info = template.baseline_info()
    metric = template.metric(info)
    assert (metric.name, metric.lower_is_better) == ("loss", True)
    assert template.metric_choice(info).line() == (
        "Primary metric: loss (lower is better): inferred: a loss (best of 1 metrics)")


def test_grokking_picks_a_validation_accuracy_over_the_first_key_a_training_loss() -> None:
    choice = choose_metric(GROKKING)
    assert (choice.name, choice.lower_is_better, choice.source) == (
        "final_val_acc_mean", False, "inferred")
    assert "held-out" in choice.reason and "next: step_val_acc_99_mean" in choice.reason


def test_a_saturated_accuracy_gives_way_to_the_steps_it_took() -> None:
    values = _info({"final_train_loss_mean": 0.001, "final_val_loss_mean": 0.01,
                    "final_train_acc_mean": 1.0, "final_val_acc_mean": 1.0,
                    "step_val_acc_99_mean": 2400.0})
    choice = choose_metric(GROKKING, values=values)
    assert (choice.name, choice.lower_is_better) == ("step_val_acc_99_mean", True)
    assert "ceiling" in " ".join(choice.candidates[1].signals + choice.candidates[2].signals)


@pytest.mark.parametrize(("name", "lower"), [
    ("val_loss", True), ("test_error", True), ("perplexity", True), ("kl_divergence", True),
    ("steps_to_99", True), ("step_val_acc_99", True), ("epochs_until_converged", True),
    ("val_accuracy", False), ("test_f1", False), ("adjusted_rand", False), ("auroc", False),
    ("neg_log_likelihood", True), ("log_likelihood", False), ("weight_norm", None), ("value", None),
])
def test_the_direction_follows_from_the_name(name: str, lower: bool | None) -> None:
    assert direction_of(name)[0] is lower


def test_an_undecidable_metric_stops_with_one_line_asking_for_metric(tmp_path: Path) -> None:
    template = load_template(str(_byo(tmp_path, {"alpha": 1.0, "beta": 2.0})))
    with pytest.raises(MetricUndecided) as caught:
        template.metric(template.baseline_info())
    message = str(caught.value)
    assert "--metric" in message and "\n" not in message
    # before the baseline has run nothing is known yet: no error, and nothing is kept
    assert template.metric(None).name == "value"


def test_two_equally_likely_metrics_are_not_guessed() -> None:
    choice = choose_metric(["val_loss", "val_nll"])
    assert not choice.decided and "equally likely" in choice.reason


def test_metric_and_direction_flags_override_the_inference(tmp_path: Path) -> None:
    template = load_template(str(_byo(tmp_path, {"loss": 0.3, "score": 1.0})))
    info = template.baseline_info()
    assert template.metric(info).name == "loss"
    chosen = template.with_overrides(metric="score").metric(info)
    assert (chosen.name, chosen.lower_is_better) == ("score", False)
    flipped = template.with_overrides(metric="score", lower_is_better=True).metric(info)
    assert flipped.lower_is_better is True
    assert "--lower-is-better" in template.with_overrides(
        metric="score", lower_is_better=True).metric_choice(info).reason
    with pytest.raises(MetricUndecided, match="does not report"):
        template.with_overrides(metric="nope").metric(info)


def test_a_declared_metric_the_baseline_lacks_is_not_silently_used(tmp_path: Path) -> None:
    copy = _byo(tmp_path)
    (copy / "template.toml").write_text('primary_metric = "accuracy"\n')
    template = load_template(str(copy))
    with pytest.raises(MetricUndecided, match="template.toml names 'accuracy'"):
        template.metric(template.baseline_info())


def test_a_declared_metric_without_a_direction_takes_it_from_its_name(tmp_path: Path) -> None:
    copy = _byo(tmp_path)
    (copy / "template.toml").write_text('primary_metric = "loss"\n')
    template = load_template(str(copy))
    assert template.metric(template.baseline_info()).lower_is_better is True


def test_the_prompt_text_breaks_no_tie_it_does_not_mention() -> None:
    plain = choose_metric(["test_mse", "weight_norm"])
    assert (plain.name, plain.lower_is_better) == ("test_mse", True)


def test_a_metric_named_before_the_baseline_is_checked_against_its_results(tmp_path: Path) -> None:
    from typing import Any

    from agents.domain.experiments import ExperimentRun
    from agents.run.context import BASELINE_RECORD
    from tests.support import offline_context

    ctx: Any = offline_context(tmp_path)
    ctx.template = ctx.template.with_overrides(metric="val_loss")  # tiny_mlp reports no val_loss
    assert ctx.metric.name == "val_loss"  # before the baseline: as named
    record = ctx.run.path / BASELINE_RECORD
    record.parent.mkdir(parents=True)
    info = FinalInfo.parse({"moons": {"means": {"val_accuracy": 0.9}}})
    record.write_text(ExperimentRun(index=0, description="Baseline", verdict="ok",
                                    final_info=info).model_dump_json())
    with pytest.raises(MetricUndecided, match="does not report"):
        _ = ctx.metric
