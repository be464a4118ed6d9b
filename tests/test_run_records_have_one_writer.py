"""Issue 29: a run's own records are written in one place each, from what the graph returns;
no node or role writes them (an idea's records: from what its roles return). A scan of the source: a second writer of ideas.json, cost.json,
run.json or events.jsonl fails here (four nodes wrote ideas.json, two places cost.json)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: record -> the one module that writes it
WRITERS = {
    "ideas.json": "agents/workflow/runner.py",   # record_state, from each node's update
    "cost.json": "agents/workflow/runner.py",    # from the events, when execute() ends
    "run.json": "agents/run/record.py",          # write_run_record
    "events.jsonl": "agents/run/folder.py",      # RunFolder.event
    # An idea's records, from what its roles return (the experiment wrote its own before).
    "outcome.json": "agents/workflow/records.py",
    "runs.json": "agents/workflow/records.py",
    "notes.md": "agents/workflow/records.py",
    "labels.json": "agents/workflow/records.py",
    "paper.json": "agents/workflow/records.py",
    "meta_review.json": "agents/workflow/records.py",
    "reviews.md": "agents/workflow/records.py",
}
WRITE_CALLS = {"write_json", "atomic_write_json", "atomic_write_text", "write_text",
               "append_no_follow", "write_no_follow", "open"}


def _writes(path: Path) -> set[str]:
    """The records a module names inside a call that writes (or in the path it builds)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {t.id: n.value.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
             and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
             for t in n.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in WRITE_CALLS:
            continue
        modes = [*node.args, *(k.value for k in node.keywords if k.arg == "mode")]
        if name == "open" and not any(isinstance(a, ast.Constant)
                                      and a.value in ("a", "w", "at", "wt", "a+", "w+")
                                      for a in modes):
            continue
        for inner in ast.walk(node):
            value = inner.value if isinstance(inner, ast.Constant) else \
                names.get(inner.id) if isinstance(inner, ast.Name) else None
            if isinstance(value, str) and value in WRITERS:
                found.add(value)
    return found


def test_each_run_record_has_one_writer() -> None:
    writers: dict[str, list[str]] = {record: [] for record in WRITERS}
    for path in sorted(Path("agents").rglob("*.py")):
        for record in _writes(path):
            writers[record].append(path.as_posix())
    assert writers == {record: [module] for record, module in WRITERS.items()}


@pytest.mark.parametrize("source", [
    'run.write_json("ideas.json", ideas)',
    'atomic_write_json(run.path / "cost.json", ledger)',
    'with (run / "events.jsonl").open("a") as f: pass',
    'RECORD = "run.json"\natomic_write_text(folder / RECORD, text)',
])
def test_the_scan_sees_a_second_writer(tmp_path: Path, source: str) -> None:
    module = tmp_path / "node.py"
    module.write_text(source + "\n")
    assert _writes(module), source
