"""``--tracker mlflow``: an offline run logged to a real ``mlflow server`` on 127.0.0.1. The
MLflow API gives back the run, one child run per idea, and metrics equal to stats.json.

Needs the ``aisci[mlflow]`` extra (scripts/setup.sh --for-tests installs it); skips without it,
but fails in CI (``CI`` set).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import IN_CI, aisci, only_run

if not IN_CI:  # CI installs the extra (scripts/setup.sh --for-tests): there it must run
    pytest.importorskip("mlflow", reason="the aisci[mlflow] extra is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
         "--artifacts-destination", str(root / "artifacts")],
        stdout=log, stderr=subprocess.STDOUT, cwd=root,
        # MLflow's server imports litellm (installed beside it here), which, with no network,
        # fetches its price list in a background thread that deadlocks the server's imports.
        env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (root / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (root / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def logged(server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An offline run of two ideas with --tracker mlflow against the server."""
    runs = tmp_path_factory.mktemp("runs")
    proc = subprocess.run(aisci("run", "momentum in small networks", "--model", "mock",
                                "--sandbox", "local", "--num-ideas", "2", "--reviewers", "1",
                                "--runs-dir", str(runs), "--tracker", "mlflow",
                                "--tracking-uri", server, "--json"),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]  # MLflow printed nothing
    assert any(e.get("event") == "tracked" for e in lines) and "warning: MLflow" not in proc.stderr
    return only_run(runs)


def test_an_offline_run_is_one_mlflow_run_with_a_child_per_idea(server: str, logged: Path) -> None:
    from mlflow.tracking import MlflowClient

    run = logged

    client = MlflowClient(server)
    experiment = client.get_experiment_by_name("aisci")
    assert experiment is not None
    (parent,) = client.search_runs([experiment.experiment_id],
                                   filter_string=f"tags.`aisci.run_id` = '{run.name}' "
                                                 "and attributes.run_name = '" + run.name + "'")
    assert parent.info.status == "FINISHED"
    assert parent.data.params["num_ideas"] == "2" and parent.data.params["template"] == "tiny_mlp"
    assert parent.data.metrics["cost_usd"] == pytest.approx(
        json.loads((run / "cost.json").read_text())["total"]["cost_usd"])
    assert "report.html" in {a.path for a in client.list_artifacts(parent.info.run_id)}

    children = client.search_runs([experiment.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    ideas = sorted(p.name for p in (run / "ideas").iterdir() if (p / "outcome.json").exists())
    assert sorted(c.info.run_name for c in children) == ideas and len(ideas) == 2
    for child in children:
        idea = run / "ideas" / child.info.run_name
        checked = 0
        for stats_file in sorted(idea.glob("run_*/stats.json")):
            stats = json.loads(stats_file.read_text())
            for group, metrics in stats["groups"].items():
                for metric, s in metrics.items():
                    name = f"{stats_file.parent.name}.{group}.{metric}"
                    history = client.get_metric_history(child.info.run_id, name)
                    assert [m.value for m in sorted(history, key=lambda m: m.step)] == s["values"]
                    assert child.data.metrics[f"{name}.mean"] == pytest.approx(s["mean"], abs=0)
                    assert child.data.metrics[f"{name}.ci_low"] == pytest.approx(s["ci_low"], abs=0)
                    checked += 1
        assert checked >= 9, f"{idea.name}: only {checked} metrics compared"
        artifacts = {a.path for a in client.list_artifacts(child.info.run_id)}
        assert {"paper", "figures"} <= artifacts
        assert any(a.path.endswith("paper.pdf")
                   for a in client.list_artifacts(child.info.run_id, "paper"))


def test_track_logs_a_finished_run_to_the_local_store_afterwards(logged: Path) -> None:
    from mlflow.tracking import MlflowClient

    proc = subprocess.run(aisci("track", logged.name, "--runs-dir", str(logged.parent)),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    store = logged.parent / "mlflow" / "mlflow.db"
    client = MlflowClient(f"sqlite:///{store}")
    experiment = client.get_experiment_by_name("aisci")
    assert experiment is not None
    (parent,) = client.search_runs([experiment.experiment_id],
                                   filter_string="attributes.run_name = '" + logged.name + "'")
    children = client.search_runs([experiment.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 2
    stats = json.loads((logged / "baseline" / "run_0" / "stats.json").read_text())
    assert parent.data.metrics["baseline.moons.val_accuracy.mean"] == stats["groups"]["moons"][
        "val_accuracy"]["mean"]
    artifacts = Path(experiment.artifact_location.removeprefix("file://"))
    assert artifacts.parent == store.parent, "artifacts went somewhere else than the store's folder"
