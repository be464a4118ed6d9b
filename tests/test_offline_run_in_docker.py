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
    assert all(e["image"].startswith("aisci-sandbox:") and e["container"] for e in sandbox_runs)
    assert load(run / "run.json")["sandbox"]["backend"] == "docker"
    finals = [load(p) for p in sorted(run.glob("ideas/*/run_1/final_info.json"))]
    assert finals and all(f != load(p.parent.parent / "run_0" / "final_info.json")
                          for f, p in zip(finals, sorted(run.glob("ideas/*/run_1/final_info.json")),
                                          strict=True))
    from sandbox.docker import DockerSandbox

    assert DockerSandbox().leftovers(run.name) == [], "containers of the run were left behind"
    client = DockerSandbox().client()
    volumes = client.volumes.list(filters={"label": [f"aisci.run_id={run.name}"]})
    assert volumes == [], "volumes of the run were left behind"
