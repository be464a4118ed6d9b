"""report.html is drawn from files that may be crafted: it never crashes, never recurses
without end, and never shows a file reached through a link."""

from __future__ import annotations

import json
from pathlib import Path

from agents.report.page import write_report

SECRET = "host-secret-canary-a41f"


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "20260101-000000_x"
    (run / "ideas" / "idea_a").mkdir(parents=True)
    (run / "ideas.json").write_text(json.dumps([
        {"name": "idea_a", "title": "Idea A", "experiment": "LR 0.1 vs 0.01",
         "interestingness": 5, "feasibility": 8, "novelty": 4},
        {"name": "idea_b", "title": "<script>x</script>", "interestingness": "all"},  # no idea
        "not an idea"]))
    return run


def test_a_tree_json_that_loops_or_nests_deeply_is_drawn_once(tmp_path: Path) -> None:
    run = _run(tmp_path)
    loop = [{"id": 0, "parent": None, "kind": "baseline"}, {"id": 0, "parent": 0, "kind": "draft"},
            {"id": 1, "parent": 1, "kind": "debug"}]
    deep = [{"id": i, "parent": i - 1 if i else None, "kind": "improve"} for i in range(5000)]
    for nodes in (loop, deep):
        (run / "ideas" / "idea_a" / "tree.json").write_text(json.dumps({"nodes": nodes, "best": 1}))
        page = write_report(run).read_text()
        assert "Tree search" in page and page.count("<li>") <= 101 + len(loop)
    (run / "ideas" / "idea_a" / "tree.json").write_text(json.dumps({"nodes": [{"id": [1], "parent": [2]}]}))
    page = write_report(run).read_text()
    assert "could not be drawn" in page and "Idea A" in page  # one part says so, the page goes on


def test_an_invalid_run_json_is_one_line_on_the_page(tmp_path: Path) -> None:
    run = _run(tmp_path)
    (run / "run.json").write_text(json.dumps({"id": "x", "topic": "t", "status": "nonsense"}))
    page = write_report(run).read_text()
    assert "is not a valid run record" in page and "Idea A" in page
    assert "idea_b" not in page and "<script>" not in page  # an entry that is no idea: left out


def test_a_linked_file_is_not_shown(tmp_path: Path) -> None:
    run = _run(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text(f"# notes\n{SECRET}\n")
    (run / "ideas" / "idea_a" / "notes.md").symlink_to(secret)
    (run / "ideas" / "linked").symlink_to(tmp_path, target_is_directory=True)
    page = write_report(run).read_text()
    assert SECRET not in page and "linked" not in page
