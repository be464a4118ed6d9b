"""The tree search of an idea, drawn in report.html: every variant under its parent.

Each node shows its id, kind, change, verdict and primary metric; the best node and the path
to it are marked, and the model's one-line reasoning is the node's tooltip. Plain HTML and CSS
(nested lists), every value escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

#: Deeper than any search aisci runs (max_nodes is at most 50); a deeper tree.json is crafted.
MAX_DEPTH = 100

TREE_CSS = """
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.4em;border-left:1px dashed #bbb}
ul.tree{padding-left:0;border:0}ul.tree li{margin:.25em 0}
.node{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:.1em .45em;font-size:13px}
.node.ok{border-color:#0a7d28}.node.bad{border-color:#b3261e;background:#fdf1f0}
.node.best{background:#e8f5ec;font-weight:600}.node.path{outline:2px solid #0a7d28}
.kind{color:#666;font-size:12px}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def tree_section(tree: dict[str, Any]) -> str:
    nodes = [n for n in tree.get("nodes", []) if isinstance(n, dict)]
    if not nodes:
        return ""
    by_parent: dict[Any, list[dict[str, Any]]] = {}
    for node in nodes:
        by_parent.setdefault(node.get("parent"), []).append(node)
    best = tree.get("best")
    path = _path(nodes, best)

    drawn: set[int] = set()  # tree.json is read back: a node is drawn once, a cycle ends there

    def item(node: dict[str, Any], depth: int = 0) -> str:
        if id(node) in drawn or depth > MAX_DEPTH:
            return ""
        drawn.add(id(node))
        found = node.get("run")
        run: dict[str, Any] = found if isinstance(found, dict) else {}
        ok = run.get("verdict") == "ok"
        classes = ["node", "ok" if ok else "bad", *(["best"] if node.get("id") == best else []),
                   *(["path"] if node.get("id") in path else [])]
        primary = run.get("primary")
        value = f" · {primary:.4g}" if isinstance(primary, int | float) else ""
        label = (f'<span class="{" ".join(classes)}" title="{_e(node.get("reasoning"))}">'
                 f'#{_e(node.get("id"))} <span class="kind">{_e(node.get("kind"))}</span> '
                 f'{_e(run.get("description"))} · {_e(run.get("verdict"))}{_e(value)}</span>')
        children = by_parent.get(node.get("id"), [])
        inner = ("<ul>" + "".join(item(c, depth + 1) for c in children) + "</ul>"
                 if children else "")
        return f"<li>{label}{inner}</li>"

    roots = by_parent.get(None, [])
    legend = (f'<p class="muted">{len(nodes) - 1} variants; best: node {_e(best)}'
              f' (outlined: its path); the search stopped at the {_e(tree.get("stopped") or "end")}.</p>')
    return "<h3>Tree search</h3>" + legend + '<ul class="tree">' + "".join(item(r) for r in roots) + "</ul>"


def _path(nodes: list[dict[str, Any]], best: Any) -> set[Any]:
    parents = {n.get("id"): n.get("parent") for n in nodes}
    path, current = set(), best
    while current is not None and current not in path:
        path.add(current)
        current = parents.get(current)
    return path


def tree_of(folder: Path, read: Any) -> str:
    data = read(folder / "tree.json")
    return tree_section(data) if isinstance(data, dict) else ""
