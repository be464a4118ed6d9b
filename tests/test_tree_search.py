"""--search tree: drafts, a failure that a debug step fixes, improvement of the best, ablations
and a replication, run in parallel in the Docker sandbox; the tree is in the run folder and in
report.html; the paper is written from the best node; a killed search resumes without running a
finished node again."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import IN_CI, aisci, kill_at, load, only_run

pytestmark = pytest.mark.docker
# The same checks on another template: AISCI_TREE_TEMPLATE=<folder> (for example a copy of
# 2d_diffusion with cpus = 1 in its [limits], so that two nodes fit on 2 cores), and
# AISCI_TREE_SEEDS for --seeds. The default is the tiny_mlp template, which the suite runs.
TEMPLATE = os.environ.get("AISCI_TREE_TEMPLATE")
ARGS = ("--model", "mock", "--num-ideas", "1", "--reviewers", "1", "--search", "tree",
        "--max-nodes", "10", "--seeds", os.environ.get("AISCI_TREE_SEEDS", "2"), "--parallel", "2",
        *(("--template", TEMPLATE) if TEMPLATE else ()))
TIMEOUT_S = 3600 if TEMPLATE else 600
TOPIC = "learning rate of small networks"


def _docker_or_skip() -> None:
    from sandbox.base import SandboxUnavailable
    from sandbox.docker import DockerSandbox

    try:
        DockerSandbox().preflight()
    except SandboxUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI must run the tree search in Docker: {exc}")
        pytest.skip(str(exc))


def _events(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _docker_or_skip()
    runs_dir = tmp_path_factory.mktemp("tree")
    done = subprocess.run(aisci("run", TOPIC, *ARGS, "--runs-dir", str(runs_dir)),
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    return only_run(runs_dir)


def _tree(run: Path) -> dict[str, Any]:
    [path] = run.glob("ideas/*/tree.json")
    tree = load(path)
    assert isinstance(tree, dict)
    return tree


def test_the_tree_drafts_debugs_improves_and_ablates(searched: Path) -> None:
    tree = _tree(searched)
    nodes = {n["id"]: n for n in tree["nodes"]}
    assert len(nodes) - 1 >= 8, "fewer than 8 variants"
    kinds = {n["kind"] for n in nodes.values()}
    assert {"draft", "debug", "improve", "ablation", "replication"} <= kinds
    fixed = [n for n in nodes.values() if n["kind"] == "debug" and n["run"]["verdict"] == "ok"
             and nodes[n["parent"]]["run"]["verdict"] != "ok"]
    assert fixed, "no failed node was fixed by a debug step"
    for node in nodes.values():
        if node["id"]:
            assert node["parent"] in nodes and node["reasoning"] and node["run"]["description"]
            assert node["run"]["diff"] or node["run"]["verdict"] != "ok" or node["kind"] == "ablation"
    best = nodes[tree["best"]]
    assert best["run"]["verdict"] == "ok" and best["kind"] in ("draft", "debug", "improve")


def test_nodes_ran_in_parallel(searched: Path) -> None:
    jobs = [(e["ts"] - e["duration_s"], e["ts"]) for e in _events(searched)
            if e["type"] == "sandbox_run" and not e["cached"] and e["run"] != "plot"
            and e["idea"] != "baseline"]
    overlaps = sum(1 for i, (s1, e1) in enumerate(jobs) for s2, e2 in jobs[i + 1:]
                   if s1 < e2 and s2 < e1)
    assert overlaps >= 1, "no two sandbox jobs of the search overlapped"


def test_the_paper_is_written_from_the_best_node(searched: Path) -> None:
    tree = _tree(searched)
    nodes = {n["id"]: n for n in tree["nodes"]}
    [idea] = searched.glob("ideas/*/outcome.json")
    outcome = load(idea)
    assert isinstance(outcome, dict)
    reported = [r["index"] for r in outcome["runs"]]
    assert tree["best"] in reported and 0 in reported
    assert {i for i in reported} <= set(nodes)
    paper = (idea.parent / "paper" / "template.tex").read_text()
    table = paper.split("aisci:results-table:begin")[1]
    best = nodes[tree["best"]]["run"]["description"]
    assert best.split(" ")[0].replace("_", "\\_") in table


def test_the_report_draws_the_tree(searched: Path) -> None:
    page = (searched / "report.html").read_text()
    assert "<h3>Tree search</h3>" in page and 'class="tree"' in page
    assert len(re.findall(r'<span class="node ', page)) == len(_tree(searched)["nodes"])
    assert 'class="node ok best' in page or 'class="node ok best path"' in page


def test_the_tree_shows_in_a_real_browser(searched: Path, tmp_path: Path) -> None:
    import shutil

    from tests.test_report_in_browser import chromium

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if IN_CI:
            pytest.fail("CI must run the browser check: install Debian's chromium package")
        pytest.skip("chromium is not installed")
    dom = chromium(browser, tmp_path / "profile", searched / "report.html", "--dump-dom",
                   "--virtual-time-budget=5000")
    assert len(re.findall(r'<span class="node ', dom)) == len(_tree(searched)["nodes"])
    assert "Tree search" in dom


def test_a_killed_search_resumes_without_rerunning_finished_nodes(tmp_path: Path) -> None:
    _docker_or_skip()
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()

    def after_three_nodes(event: dict[str, Any]) -> bool:  # the drafts are in, the rest is not
        return event.get("type") == "sandbox_run" and str(event.get("run", "")).startswith("run_3/")

    run = kill_at(aisci("run", TOPIC, *ARGS, "--runs-dir", str(runs_dir)), runs_dir,
                  after_three_nodes, log=tmp_path / "killed.log", timeout_s=TIMEOUT_S)
    saved = {p.name: p.read_text() for p in run.glob("ideas/*/tree/node_*.json")}
    assert saved, "no node was saved before the kill"
    assert len(saved) < 8, "the search had finished before the kill"
    before = len(_events(run))
    done = subprocess.run(aisci("resume", run.name, "--runs-dir", str(runs_dir)),
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    after = _events(run)[before:]
    finished = {f"run_{json.loads(text)['id']}" for text in saved.values()}
    rerun = [e for e in after if e["type"] == "sandbox_run" and not e["cached"]
             and str(e["run"]).split("/")[0] in finished]
    assert not rerun, f"finished nodes ran again: {rerun}"
    for name, text in saved.items():  # a finished node's record is never rewritten
        assert (next(run.glob(f"ideas/*/tree/{name}"))).read_text() == text
    assert len(_tree(run)["nodes"]) - 1 >= 8
