"""Compute said before the run: the baseline's time, measured once per version of the
template's code, against the plan and the template's limits (each named with its source)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agents.config.settings import ModelSettings, RunSettings
from agents.jobs.compute import load_timing, plan_compute, save_timing
from agents.templates.template import load_template

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "byo_template"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "cache"))


def _settings(**extra: object) -> RunSettings:
    return RunSettings(topic="t", template="x", model=ModelSettings(model="mock/aisci-offline"),
                       **extra)  # type: ignore[arg-type]


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "byo"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_the_baseline_time_is_kept_per_version_of_the_code(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    assert load_timing(copy) is None
    save_timing(copy, 42.0, verdict="ok", by="aisci template check --run")
    assert load_timing(copy) is not None and load_timing(copy).seconds == 42.0  # type: ignore[union-attr]
    (copy / "run_0").mkdir()
    (copy / "run_0" / "final_info.json").write_text("{}")  # results are not code
    assert load_timing(copy) is not None
    (copy / "experiment.py").write_text((copy / "experiment.py").read_text() + "\n# edited\n")
    assert load_timing(copy) is None, "an edited template kept the old time"


def test_the_plan_says_its_jobs_time_and_which_limits_are_defaults(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    template = load_template(str(copy))
    timing = save_timing(copy, 30.0, verdict="ok", by="aisci template check --run")
    plan = plan_compute(template, _settings(num_ideas=2, max_runs=3), timing, parallel=2)
    assert (plan.jobs, plan.baseline_jobs) == (6, 1)  # no seed control: one job per variant
    assert plan.total_s == 4 * 30.0
    first, limits, *warnings = plan.lines()
    assert "one baseline job took 30 s" in first and "about 2 min" in first
    assert "timeout 600 s (aisci's default: the template sets none)" in limits
    assert "GPUs 0 (aisci's default" in limits
    assert warnings == []


def test_a_baseline_slower_than_the_timeout_is_said_with_the_fix(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    template = load_template(str(copy))
    timing = save_timing(copy, 1800.0, verdict="ok", by="the baseline of run r")
    [warning] = plan_compute(template, _settings(), timing, parallel=1).warnings
    assert "A job may run 600 s and the baseline alone took 1800 s" in warning
    assert "--timeout 2700" in warning
    longer = template.with_overrides(timeout_s=3600)
    assert plan_compute(longer, _settings(), timing, parallel=1).warnings == []
    assert "timeout 3600 s (--timeout)" in plan_compute(longer, _settings(), timing,
                                                        parallel=1).lines()[1]
    stopped = save_timing(copy, 600.0, verdict="timeout", by="aisci template check --run")
    assert "did not finish" in plan_compute(template, _settings(), stopped, parallel=1).warnings[0]


def test_an_unmeasured_baseline_is_said_as_such(tmp_path: Path) -> None:
    template = load_template(str(_copy(tmp_path)))
    first = plan_compute(template, _settings(), None, parallel=2).lines()[0]
    assert "not measured yet" in first and "template check --run" in first
    shipped = load_template("tiny_mlp")
    limits = plan_compute(shipped, _settings(), None, parallel=2).lines()[1]
    assert "timeout 120 s (template.toml)" in limits
