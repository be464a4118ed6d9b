"""Each shipped template, through the whole offline loop in the Docker sandbox: the agent's
edits produce runs whose primary metric differs from the baseline, plotted, described in
notes.md, and written up with the statistics that really ran.

These run real training jobs (about 1 min each on 2 cores), so they take several minutes; the
two slow templates run one seed per variant (n = 1), the fast one two.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from tests.support import docker_or_skip, load, only_run

TOPICS = {
    "2d_diffusion": "learning rate of small diffusion models",
    "grokking": "weight decay and grokking",
    "optim_digits": "AdamW learning rate on small MLPs",
}
#: (runs beyond the baseline, seeds per variant): what fits the suite's time on 2 cores.
BUDGET = {"2d_diffusion": (1, 1), "grokking": (1, 1), "optim_digits": (2, 2)}


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("template", sorted(TOPICS))
def test_offline_run_on_template(tmp_path: Path, template: str) -> None:
    docker_or_skip("the template runs")
    max_runs, seeds = BUDGET[template]
    result = CliRunner().invoke(app, [
        "run", TOPICS[template], "--template", template, "--model", "mock", "--num-ideas", "1",
        "--max-runs", str(max_runs), "--seeds", str(seeds), "--reviewers", "1",
        "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    from agents.templates.template import load_template

    run = only_run(tmp_path)
    idea = next((run / "ideas").iterdir())
    outcome = load(idea / "outcome.json")
    assert isinstance(outcome, dict)
    selection = outcome["selection"]  # every run, on validation; the chosen one, on test
    primaries = {t["node"]: t["validation"] for t in selection["tried"] if t["verdict"] == "ok"}
    assert len(primaries) == max_runs and None not in primaries.values()

    def measured(index: int) -> dict[str, float]:  # timings differ anyway
        info = load(idea / f"run_{index}" / "final_info.json")
        assert isinstance(info, dict)
        return {f"{g}/{m}": v for g, e in info.items() for m, v in e["means"].items()
                if "time" not in m}

    # Every edit changed the results (an accuracy on a few hundred images can repeat by
    # chance, so all the measured metrics are compared, not only the primary one).
    differing = [i for i in primaries if measured(i) != measured(0)]
    assert len(differing) == max_runs, f"runs whose results differ: {differing}"
    tested = {t["node"]: t["run"]["primary"] for t in selection["test"]}
    assert set(tested) == {0, selection["chosen"]} and None not in tested.values()
    assert outcome["primary_metric"] == load_template(template).grader.test_metric
    labels = load(idea / "labels.json")
    assert {f"run_{i}" for i in range(max_runs + 1)} <= set(labels)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    plot_job = next(e for e in events if e["type"] == "sandbox_run" and e["run"] == "plot")
    assert plot_job["verdict"] == "ok"
    assert list((idea / "plots").glob("*.png"))
    notes = (idea / "notes.md").read_text()
    assert all(f"| run {i} |" in notes for i in range(1, max_runs + 1))
    assert "Status: **done**" in notes
    paper = (idea / "paper" / "template.tex").read_text()
    if seeds == 1:  # what the caption and the setup say must be what ran
        assert "ran once (n = 1)" in paper and "no error bars" in paper
        assert "$\\pm$" not in paper.split("aisci:results-table:begin")[1].split("end")[0]
    else:
        assert f"n = {seeds} seeds" in paper and "95\\% confidence interval" in paper
    assert f"best of {max_runs} variants chosen on validation" in paper

    data = load_template(template).data_source
    assert data.split("(")[0].strip().replace("'", "'") in paper, "the paper names other data"
    record = load(idea / "paper" / "paper.json")
    assert isinstance(record, dict) and record["integrity"]["unverified"] == []
