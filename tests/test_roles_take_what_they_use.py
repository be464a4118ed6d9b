"""Issue 29 item 2: a role function takes the few services it uses, not the whole run context;
the graph's nodes in ``agents/workflow/`` unpack the context (``agents.workflow.roles``). The
folders and modules whose roles already do are held to it here: none names RunContext."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Folders whose roles take what they use, and the modules of experiment/ that do (its loop,
#: search, variants, baseline, coder prompts, preregistration and selection still take the
#: context).
NARROW = ("ideas", "review", "scaffold", "literature", "paper")
NARROW_MODULES = (
    "experiment/code_edits.py",
    "experiment/edit_forms.py",
    "experiment/figure_checks.py",
    "experiment/grading.py",
    "experiment/notes.py",
    "experiment/plot_labels.py",
    "experiment/plotting.py",
    "experiment/statistics.py",
)


def _names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
            for a in n.names} | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_these_roles_never_take_the_run_context() -> None:
    modules = [p for folder in NARROW for p in sorted((ROOT / "agents" / folder).rglob("*.py"))]
    modules += [ROOT / "agents" / m for m in NARROW_MODULES]
    assert len(modules) > 15, "the scan finds the modules"
    taking = [str(p.relative_to(ROOT)) for p in modules if "RunContext" in _names(p)]
    assert taking == []
