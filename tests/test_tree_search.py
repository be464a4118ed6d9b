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

from tests.support import IN_CI, aisci, docker_or_skip, kill_at, load, only_run

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


def _events(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docker_or_skip("the tree search")
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
    docker_or_skip("the tree search")
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


def _outcome(run: Path) -> dict[str, Any]:
    [path] = run.glob("ideas/*/outcome.json")
    outcome = load(path)
    assert isinstance(outcome, dict)
    return outcome


def test_nodes_are_chosen_on_validation_and_only_the_chosen_ones_see_the_test_data(
        searched: Path) -> None:
    tree, outcome = _tree(searched), _outcome(searched)
    nodes = {n["id"]: n for n in tree["nodes"]}
    for node in nodes.values():  # every node of the search carries validation numbers only
        for group in (node["run"]["final_info"] or {}).values():
            assert "test_accuracy" not in group["means"] and "val_accuracy" in group["means"]
    chosen = tree["best"]
    picked = {0, chosen} | {i for i, n in nodes.items() if n["parent"] == chosen
                            and n["kind"] in ("ablation", "replication") and n["run"]["verdict"] == "ok"}
    events = _events(searched)
    tested = [e for e in events if e["type"] == "heldout_test"]
    assert sorted(e["node"] for e in tested) == sorted(picked), "a test job per chosen node, once"
    assert {e["role"] for e in tested if e["node"] == chosen} == {"chosen"}
    jobs = [e for e in events if e["type"] == "sandbox_run" and str(e["run"]).startswith("test_")]
    assert sorted(e["run"] for e in jobs) == sorted(  # fresh seeds: 10000 + the node's
        f"test_node_{i}/seed_{10_000 + s}" for i in picked for s in nodes[i]["run"]["seeds"]), \
        "the test jobs are exactly the chosen nodes' seeds, each once"
    first_test = min(e["ts"] for e in jobs)
    assert all(e["ts"] < first_test for e in events if e["type"] == "sandbox_run"
               and re.fullmatch(r"run_\d+/seed_\d+", str(e["run"]))), \
        "the search was over before the test data was used"
    assert outcome["primary_metric"] == "test_accuracy"
    assert [r["index"] for r in outcome["runs"]] == [t["node"] for t in outcome["selection"]["test"]]
    plan = [e for e in events if e["type"] == "plan_fixed"]
    first_variant = min(e["ts"] for e in events if e["type"] == "sandbox_run" and e["idea"] != "baseline")
    assert plan and plan[0]["ts"] < first_variant, "the plan is fixed before the first variant runs"


def test_the_paper_reports_test_numbers_and_lists_every_variant_tried(searched: Path) -> None:
    tree, outcome = _tree(searched), _outcome(searched)
    selection = outcome["selection"]
    ran = [n for n in tree["nodes"] if n["id"] and n["run"]["verdict"] == "ok"]
    groups = len(tree["nodes"][0]["run"]["final_info"])
    assert selection["family"] == len(ran) * groups, "the correction counts every variant that ran"
    [paper_path] = searched.glob("ideas/*/paper/template.tex")
    paper = paper_path.read_text()
    table = paper.split("aisci:results-table:begin")[1].split("aisci:results-table:end")[0]
    assert "test\\_accuracy" in table
    chosen_test = next(t["run"] for t in selection["test"] if t["role"] == "chosen")
    from agents.tex import tex_number

    for group, metrics in chosen_test["stats"]["groups"].items():  # the headline: test numbers
        assert tex_number(metrics["test_accuracy"]["mean"]) in table, group
    assert f"best of {len(ran)} variants chosen on validation" in paper
    assert f"Holm-corrected over {len(ran) * groups} comparisons" in paper
    appendix = paper.split(r"\section{Every variant tried}")[1]
    rows = [line for line in appendix.splitlines() if re.match(r"\d+ & (\d+|--) & ", line)]
    assert [int(r.split(" & ")[0]) for r in rows] == [n["id"] for n in tree["nodes"]]
    assert "sha256" in paper and re.search(r"\\textbf\{(confirmed|not confirmed)\}", paper)
