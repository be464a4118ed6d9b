"""Each shipped template, through the whole offline loop in the Docker sandbox: the agent's
edits produce runs whose results differ from the baseline, plotted and described in notes.md.

These run real training jobs (about 1 min each on 2 cores), so they take several minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from tests.support import IN_CI, load, only_run

TOPICS = {
    "2d_diffusion": "learning rate of small diffusion models",
    "grokking": "weight decay and grokking",
    "optim_digits": "AdamW learning rate on small MLPs",
}


def _docker_or_skip() -> None:
    from sandbox.base import SandboxUnavailable
    from sandbox.docker import DockerSandbox

    try:
        DockerSandbox().preflight()
    except SandboxUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI must run the template runs in Docker: {exc}")
        pytest.skip(str(exc))


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("template", sorted(TOPICS))
def test_offline_run_on_template(tmp_path: Path, template: str) -> None:
    _docker_or_skip()
    result = CliRunner().invoke(app, [
        "run", TOPICS[template], "--template", template, "--model", "mock", "--num-ideas", "1",
        "--max-runs", "2", "--reviewers", "1", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    idea = next((run / "ideas").iterdir())
    baseline = load(idea / "run_0" / "final_info.json")
    assert baseline == load(Path("templates", template, "run_0", "final_info.json"))
    differing = [r for r in ("run_1", "run_2") if (idea / r / "final_info.json").exists()
                 and load(idea / r / "final_info.json") != baseline]
    assert len(differing) == 2, f"runs differing from the baseline: {differing}"
    labels = load(idea / "labels.json")
    assert {"run_0", "run_1", "run_2"} <= set(labels)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    plot_job = next(e for e in events if e["type"] == "sandbox_run" and e["run"] == "plot")
    assert plot_job["verdict"] == "ok" and plot_job["plots"] >= 1
    assert list((idea / "plots").glob("*.png"))
    notes = (idea / "notes.md").read_text()
    assert "| run_1 |" in notes and "| run_2 |" in notes and "Status: **done**" in notes
