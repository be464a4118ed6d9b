"""Issue 29 item 2: a role function takes the few services it uses, not the whole run context;
the graph's nodes in ``agents/workflow/`` unpack the context (``agents.workflow.roles``). The
role folders are held to it here: none names RunContext."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Folders whose roles take what they use: every role folder.
NARROW = ("ideas", "review", "scaffold", "literature", "paper", "experiment")


def _names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
            for a in n.names} | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_these_roles_never_take_the_run_context() -> None:
    modules = [p for folder in NARROW for p in sorted((ROOT / "agents" / folder).rglob("*.py"))]
    assert len(modules) > 15, "the scan finds the modules"
    taking = [str(p.relative_to(ROOT)) for p in modules if "RunContext" in _names(p)]
    assert taking == []
