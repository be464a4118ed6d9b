"""A run SIGKILLed at any stage boundary resumes to the same result, redoing no finished work.

For each boundary a real ``aisci run`` process is killed with SIGKILL (no cleanup, no
``finally``) as soon as the boundary's event is in events.jsonl (the end of a graph node, or
the start of a step inside a per-idea branch); then ``aisci resume`` must finish the run. The resumed run must be complete, match an uninterrupted reference run (the
offline model and the experiments are deterministic), and repeat no sandbox run: a run that
finished before the kill comes back from the run folder's cache, or not at all.

The killed runs and the reference run are independent processes in their own folders; they run
a few at a time (one thread each) to keep the file fast, and each stage is checked by its own
test.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agents.workflow.graph import NODES, STAGES
from tests.support import IN_CI, REPO, aisci, at_node, kill_at, load, only_run, tex_installed

TOPIC = "momentum in small networks"
#: Where the runs are killed: (event, node or stage).
BOUNDARIES = {"baseline": ("node_end", "baseline"), "ideate": ("node_end", "ideate"),
              "check_novelty": ("node_end", "check_novelty"), "plot": ("node_start", "plot"),
              "write_paper": ("node_start", "write_paper"),
              "research_idea": ("node_end", "research_idea"), "review": ("node_start", "review"),
              "review_paper": ("node_end", "review_paper")}
RUN_ARGS = ("--model", "mock", "--sandbox", "local", "--reviewers", "1", "--num-ideas", "2",
            "--seeds", "2")
TIMEOUT_S = 300
WORKERS = 4  # runs at once: enough to overlap one run's waits with another's work on 2 CPUs

Events = list[dict[str, Any]]


def read_events(run: Path) -> Events:
    lines = (run / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def without_timings(final_info: Any) -> Any:
    """final_info.json minus wall-clock metrics (``train_time_s``), the one thing not replayable."""
    if isinstance(final_info, dict):
        return {k: without_timings(v) for k, v in final_info.items() if not k.endswith("time_s")}
    return final_info


def complete_run(run: Path) -> dict[str, Any]:
    """What a user checks in a finished run folder (fails on anything missing), as a summary."""
    assert load(run / "run.json")["status"] == "completed"  # type: ignore[index]
    assert (run / "cost.json").is_file(), "cost.json is missing"
    ideas: list[dict[str, Any]] = load(run / "ideas.json")  # type: ignore[assignment]
    selected = [i["name"] for i in ideas if i["selected"]]
    assert selected, "no idea was taken to experiments"
    summary: dict[str, Any] = {"ideas": [i["name"] for i in ideas]}
    for name in selected:
        idea = run / "ideas" / name
        runs = sorted(idea.glob("run_*/final_info.json"), key=lambda p: int(p.parent.name[4:]))
        assert [p.parent.name for p in runs] == [f"run_{n}" for n in range(len(runs))]
        assert len(runs) >= 2, f"{name}: no run beyond the baseline"
        plots = sorted(p.name for p in (idea / "plots").glob("*.png"))
        assert plots, f"{name}: no plots"
        assert (idea / "paper" / "template.tex").is_file(), f"{name}: no paper"
        if tex_installed() or IN_CI:
            assert (idea / "paper" / "paper.pdf").read_bytes().startswith(b"%PDF")
        review: dict[str, Any] = load(idea / "reviews" / "review_1.json")  # type: ignore[assignment]
        meta: dict[str, Any] = load(idea / "reviews" / "meta_review.json")  # type: ignore[assignment]
        assert 1 <= review["overall"] <= 10 and meta["decision"] in ("accept", "reject")
        summary[name] = {"runs": {p.parent.name: without_timings(load(p)) for p in runs},
                         "plots": plots, "decision": meta["decision"]}
    return summary


@dataclass
class Killed:
    """One run killed after ``stage`` and resumed."""

    stage: str
    run: Path
    before: Events  # events.jsonl as the killed process left it
    finished_ideas: set[str]  # ideas whose runs.json (the experiment's last write) was there
    finished_steps: set[tuple[str, str]]  # (plot or review, idea) recorded as done at the kill
    resume: subprocess.CompletedProcess[str]

    @property
    def after(self) -> Events:
        return read_events(self.run)[len(self.before):]


def run_until(runs_dir: Path, stage: str) -> Path:
    """Start a run and SIGKILL it at ``stage``'s boundary; returns the run folder."""
    kind, node = BOUNDARIES[stage]
    return kill_at(aisci("run", TOPIC, *RUN_ARGS, "--runs-dir", str(runs_dir)), runs_dir,
                   at_node(kind, node), log=runs_dir.parent / f"killed_after_{stage}.log",
                   timeout_s=TIMEOUT_S)


def kill_and_resume(base: Path, stage: str) -> Killed:
    runs_dir = base / stage
    runs_dir.mkdir()
    run = run_until(runs_dir, stage)
    before = read_events(run)
    finished = {p.parent.name for p in run.glob("ideas/*/runs.json")}
    steps = {(step, idea.name) for idea in run.glob("ideas/*") for step in ("plot", "review")
             if _step_finished(run, step, idea.name)}
    resume = subprocess.run(aisci("resume", run.name, "--runs-dir", str(runs_dir), "--sandbox", "local"), cwd=REPO,
                            capture_output=True, text=True, timeout=TIMEOUT_S)
    return Killed(stage, run, before, finished, steps, resume)


def reference_run(base: Path) -> Path:
    runs_dir = base / "reference"
    runs_dir.mkdir()
    done = subprocess.run(aisci("run", TOPIC, *RUN_ARGS, "--runs-dir", str(runs_dir)), cwd=REPO,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    return only_run(runs_dir)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future[Any]]:
    """The reference run and every killed-and-resumed run, ``WORKERS`` at a time.

    Values are the finished ``Future``s, so a failure belongs to its own stage's test.
    """
    base = tmp_path_factory.mktemp("resume_after_kill")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures: dict[str, Future[Any]] = {"reference": pool.submit(reference_run, base)}
        futures |= {stage: pool.submit(kill_and_resume, base, stage) for stage in BOUNDARIES}
    return futures


@pytest.fixture(scope="module")
def reference(runs: dict[str, Future[Any]]) -> dict[str, Any]:
    return complete_run(runs["reference"].result())


@pytest.mark.parametrize("stage", BOUNDARIES)
def test_resume_after_kill_completes_the_run_without_redoing_work(
        stage: str, runs: dict[str, Future[Any]], reference: dict[str, Any]) -> None:
    killed: Killed = runs[stage].result()
    kind, node = BOUNDARIES[stage]
    ended = [e["node"] for e in killed.before if e["type"] == "node_end"]
    assert node in [e["node"] for e in killed.before if e["type"] == kind]
    if stage != "review_paper":  # finish follows within milliseconds; the kill may miss it
        assert "finish" not in ended, f"killed too late: {ended}"

    assert killed.resume.returncode == 0, killed.resume.stdout + killed.resume.stderr
    assert "Done: completed" in killed.resume.stdout
    assert complete_run(killed.run) == reference, "the resumed run differs from an uninterrupted one"

    after = killed.after
    assert after and after[0]["type"] == "run_resume"
    finished = {(e["idea"], e["run"]) for e in killed.before if e["type"] == "sandbox_run"}
    repeated = [e for e in after if e["type"] == "sandbox_run"
                and (e["idea"], e["run"]) in finished and not e.get("cached")]
    assert not repeated, f"sandbox runs repeated after the kill: {repeated}"
    started = [e["node"] for e in after if e["type"] == "node_start" and e["node"] in NODES]
    redone = [n for n in started if n in ended]
    assert not redone, f"nodes finished before the kill started again: {redone}"
    steps_after = {(e["node"], e.get("idea")) for e in after if e["type"] == "node_start"}
    again = killed.finished_steps & steps_after
    assert not again, f"steps of a branch that had finished ran again: {again}"


def _step_finished(run: Path, step: str, idea: str) -> bool:
    folder = run / "ideas" / str(idea)
    if step == "plot":  # recorded as done once outcome.json lists the plots
        outcome = folder / "outcome.json"
        return outcome.is_file() and bool(json.loads(outcome.read_text()).get("plots"))
    return (folder / "reviews" / "outcome.json").is_file()


def test_resume_after_kill_between_parallel_branches_redoes_no_finished_idea(
        runs: dict[str, Future[Any]]) -> None:
    killed: Killed = runs["research_idea"].result()
    assert killed.finished_ideas, "no idea had finished its experiments at the kill"
    rerun = {e["idea"] for e in killed.after if e["type"] == "sandbox_run" and not e["cached"]
             and e["run"] != "plot"}
    assert not rerun & killed.finished_ideas, f"finished ideas run again: {rerun}"

    known = set(NODES) | set(STAGES)
    logged = {e["node"] for e in killed.after if e["type"] in ("node_start", "node_end")}
    assert logged <= known, f"events.jsonl names unknown stages: {logged - known}"
    shown = {line.split()[1].rstrip(":") for line in killed.resume.stdout.splitlines()
             if line.startswith("✓ ")}
    assert shown <= known, f"aisci resume reports unknown stages: {shown - known}"
