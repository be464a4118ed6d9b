"""A finished run, logged to MLflow (``--tracker mlflow``; the ``aisci[mlflow]`` extra).

One MLflow run per aisci run, in the experiment ``aisci``, and under it one child run per idea.
The parent holds the settings as parameters, the baseline's metrics, the cost and wall time,
and report.html, run.json and cost.json as artifacts. A child holds, for each variant
``run_<k>`` of the idea and each group and metric, the value of every seed (the MLflow step is
the seed) and the mean and 95 % interval (``<key>.mean``, ``.ci_low``, ``.ci_high``), all
straight from ``stats.json`` (read through ``agents.report.summary``); the primary value of each
variant, the review score; and the paper and figures as artifacts.

The run folder stays the record: the tracker gets a copy after the run, and a tracker that
cannot be reached costs a warning, never the run. Nothing secret is logged (run.json's
settings are already masked).

    >>> log_run(Path("runs/20261206-231644_momentum"), "http://127.0.0.1:5000")
    'c8a1...'   # the parent's MLflow run id
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from pathlib import Path
from typing import Any

from agents.domain import RunStats
from agents.errors import ConfigError
from agents.llm import quiet_environment
from agents.report.summary import IdeaSummary, RunSummary, baseline_stats, load_summary, variant_stats

EXPERIMENT = "aisci"
#: MLflow's own limits on a parameter's value and a batch's size.
_PARAM_CHARS = 6000
_BATCH = 900
_KEY = re.compile(r"[^A-Za-z0-9_\-. /]")


def default_tracking_uri(runs_dir: Path) -> str:
    """A local SQLite store beside the runs: ``<runs folder>/mlflow/mlflow.db``."""
    folder = (runs_dir / "mlflow").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def require_mlflow() -> None:
    """Bad input (exit 2) before a run starts when the tracker is asked for but not installed."""
    quiet_environment()  # MLflow may import litellm: never its network price fetch
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ConfigError("--tracker mlflow needs MLflow: pip install 'aisci[mlflow]'") from None


def key(*parts: str) -> str:
    """An MLflow metric name from run-file names (which may hold any character)."""
    return ".".join(_KEY.sub("_", p) for p in parts)


def _params(summary: RunSummary) -> dict[str, str]:
    flat: dict[str, str] = {"topic": summary.header.topic, "template": summary.header.template,
                            "status": summary.header.status}
    for role, model in summary.header.models.items():
        flat[f"model.{role}"] = model

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif value is not None and not isinstance(value, list):
            flat[key(prefix)] = str(value)[:_PARAM_CHARS]

    walk("", summary.header.settings)
    return flat


def _stats_metrics(prefix: str, stats: RunStats, seeds: list[int]) -> list[tuple[str, float, int]]:
    """(name, value, step): every seed's value (the step is the seed) and the mean and 95 %
    interval of every group and metric of one run's stats.json."""
    out: list[tuple[str, float, int]] = []
    for group, metrics in stats.groups.items():
        for metric, s in metrics.items():
            name = key(prefix, group, metric)
            steps = seeds if len(seeds) == len(s.values) else range(len(s.values))
            out += [(name, v, int(step)) for step, v in zip(steps, s.values, strict=True)
                    if math.isfinite(v)]
            for stat in ("mean", "ci_low", "ci_high"):
                value = getattr(s, stat)
                if value is not None and math.isfinite(value):
                    out.append((f"{name}.{stat}", float(value), 0))
    return out


def _idea_metrics(idea: IdeaSummary, run_dir: Path | None = None) -> list[tuple[str, float, int]]:
    """(name, value, step) of every seed and summary statistic of every variant of an idea.
    When the idea reports held-out test results, those are ``test.run_<k>...`` and each
    variant's own (validation) results, from its folder, are ``run_<k>...``."""
    out: list[tuple[str, float, int]] = []
    prefix = "test.run" if idea.held_out else "run"
    for run in idea.runs:
        if run.primary is not None and math.isfinite(run.primary):
            out.append((f"{prefix}_{run.index}.primary", run.primary, 0))
        if run.stats is not None:
            out += _stats_metrics(f"{prefix}_{run.index}", run.stats, list(run.seeds))
    if idea.held_out and run_dir is not None:
        for index, stats in variant_stats(run_dir, idea.name).items():
            out += _stats_metrics(f"run_{index}", stats, [])
    if idea.last_review is not None:
        out.append(("review.mean_overall", idea.last_review.mean_overall, 0))
    return out


def log_run(run_dir: Path, tracking_uri: str) -> str:
    """Log one finished run folder to MLflow; returns the parent run's id."""
    quiet_environment()  # before MLflow, which may import litellm: no network price fetch
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # stdout is ours
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    summary = load_summary(run_dir)
    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is not None:
        experiment_id = experiment.experiment_id
    else:
        location = None
        if tracking_uri.startswith("sqlite:///"):  # artifacts beside the database, not in cwd
            location = (Path(tracking_uri.removeprefix("sqlite:///")).parent / "artifacts").as_uri()
        experiment_id = client.create_experiment(EXPERIMENT, artifact_location=location)
    now = int(time.time() * 1000)

    def batch(run_id: str, metrics: list[tuple[str, float, int]], params: dict[str, str]) -> None:
        items = [Metric(k, v, now, step) for k, v, step in metrics]
        for i in range(0, len(items), _BATCH):
            client.log_batch(run_id, metrics=items[i:i + _BATCH])
        pairs = [Param(k, v) for k, v in params.items()]
        for i in range(0, len(pairs), 100):
            client.log_batch(run_id, params=pairs[i:i + 100])

    status = "FINISHED" if summary.header.status.startswith("completed") else "FAILED"
    parent = client.create_run(experiment_id, run_name=summary.id, tags={
        "aisci.run_id": summary.id, "aisci.status": summary.header.status,
        "mlflow.note.content": summary.header.topic})
    parent_id = parent.info.run_id
    metrics: list[tuple[str, float, int]] = []
    if summary.cost_usd is not None:
        metrics.append(("cost_usd", summary.cost_usd, 0))
    if summary.header.wall_s is not None:
        metrics.append(("wall_s", float(summary.header.wall_s), 0))
    baseline = baseline_stats(run_dir)  # the template's baseline, as the search saw it
    if baseline is not None:
        metrics += _stats_metrics("baseline", baseline, [])

    batch(parent_id, metrics, _params(summary))
    for name in ("report.html", "run.json", "cost.json"):
        if (run_dir / name).is_file():
            client.log_artifact(parent_id, str(run_dir / name))
    for idea in summary.ideas:
        if not idea.runs and not idea.reviews:
            continue
        child = client.create_run(experiment_id, run_name=idea.name, tags={
            "mlflow.parentRunId": parent_id, "aisci.run_id": summary.id, "aisci.idea": idea.name})
        params = {"title": idea.title[:_PARAM_CHARS], "primary_metric": idea.primary_metric,
                  "lower_is_better": str(idea.lower_is_better), "status": idea.status or "none"}
        best = idea.best()
        if best is not None:
            params["best_run"] = f"run_{best.index}"
        if idea.last_review is not None:
            params["review.decision"] = idea.last_review.decision
        batch(child.info.run_id, _idea_metrics(idea, run_dir), params)
        for paper in idea.papers:
            client.log_artifact(child.info.run_id, str(paper), artifact_path=paper.parent.name)
        plots = run_dir / "ideas" / idea.name / "plots"
        for png in sorted(plots.glob("*.png")):
            client.log_artifact(child.info.run_id, str(png), artifact_path="figures")
        client.set_terminated(child.info.run_id, "FINISHED" if idea.status == "done" else "FAILED")
    client.set_terminated(parent_id, status)
    return str(parent_id)

