"""The main job: an offline run whose experiments execute in Docker containers, leaving none behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from tests.support import IN_CI, load, only_run


def _docker_ready() -> str | None:
    """Why Docker cannot be used here, or None when it can."""
    try:
        from sandbox.base import SandboxUnavailable
        from sandbox.docker import DockerSandbox

        DockerSandbox().preflight()
    except SandboxUnavailable as exc:
        return str(exc)
    return None


def _primary(path: Path) -> float:
    """The primary metric of tiny_mlp (val_accuracy, mean over groups): timings differ anyway."""
    info = load(path)
    assert isinstance(info, dict)
    return sum(g["means"]["val_accuracy"] for g in info.values()) / len(info)


@pytest.mark.docker
def test_offline_run_executes_experiments_in_containers(tmp_path: Path) -> None:
    reason = _docker_ready()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the Docker tests: {reason}")
        pytest.skip(reason)
    result = CliRunner().invoke(app, ["run", "momentum in small networks", "--model", "mock",
                                      "--runs-dir", str(tmp_path), "--reviewers", "1"])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    sandbox_runs = [e for e in events if e["type"] == "sandbox_run"]
    assert sandbox_runs and all(e["backend"] == "docker" for e in sandbox_runs)
    paper_jobs = {"compile", "pdf_text", "pdf_pages"}
    experiments = [e for e in sandbox_runs if e["run"] not in paper_jobs]
    tex = [e for e in sandbox_runs if e["run"] in paper_jobs]
    assert experiments and all(e["image"].startswith("aisci-sandbox:") and e["container"]
                               for e in experiments)
    assert tex and all(e["image"].startswith("aisci-paper:") and e["container"] for e in tex), \
        "the paper did not compile in the paper image"
    assert load(run / "run.json")["sandbox"]["backend"] == "docker"
    runs_1 = sorted(run.glob("ideas/*/run_1/final_info.json"))
    assert runs_1 and all(_primary(p) != _primary(p.parent.parent / "run_0" / "final_info.json")
                          for p in runs_1), "an edit did not change the primary metric"
    from sandbox.docker import DockerSandbox

    assert DockerSandbox().leftovers(run.name) == [], "containers of the run were left behind"
    client = DockerSandbox().client()
    volumes = client.volumes.list(filters={"label": [f"aisci.run_id={run.name}"]})
    assert volumes == [], "volumes of the run were left behind"
