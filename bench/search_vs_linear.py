"""The tree search against the linear loop: the best primary metric each finds for the same
idea with the same compute budget (sandboxed variants), over several topics, offline.

    python bench/search_vs_linear.py                      # 3 topics, budget 6, Docker sandbox
    python bench/search_vs_linear.py --budget 8 --sandbox local

For each topic it runs ``aisci run TOPIC --num-ideas 1`` twice on tiny_mlp: ``--search linear
--max-runs B`` and ``--search tree --max-nodes B``. The offline model picks the same idea for
the same topic both times. It prints, per topic, the baseline and the best value of the
primary metric among the variants that ran (from the idea's outcome.json and, for the tree,
tree.json), and how many variants each used.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _load import warn_if_loaded

TOPICS = ("momentum in small networks", "the learning rate of SGD", "width of the hidden layer")


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


def best(values: list[float], lower: bool) -> float | None:
    return (min(values) if lower else max(values)) if values else None


def one_run(topic: str, search: str, opts: argparse.Namespace, runs_dir: Path) -> dict[str, Any]:
    target = runs_dir / f"{search}_{len(list(runs_dir.iterdir()))}"
    budget = ["--max-runs", str(opts.budget)] if search == "linear" else \
        ["--max-nodes", str(opts.budget)]
    command = [*aisci(), "run", topic, "--model", "mock", "--template", "tiny_mlp",
               "--sandbox", opts.sandbox, "--num-ideas", "1", "--include-not-novel",
               "--seeds", str(opts.seeds), "--reviewers", "1", "--search", search, *budget,
               "--runs-dir", str(target)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 4):
        raise SystemExit(f"aisci run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    [outcome_path] = target.glob("*/ideas/*/outcome.json")
    outcome = json.loads(outcome_path.read_text())
    lower = bool(outcome["lower_is_better"])
    runs = outcome["runs"]
    if outcome.get("tree"):
        variants = [n["run"] for n in outcome["tree"]["nodes"] if n["id"] != 0]
    else:
        variants = [r for r in runs if r["index"] > 0]
    ok = [r["primary"] for r in variants if r["verdict"] == "ok" and r.get("primary") is not None]
    baseline = next((r.get("primary") for r in runs if r["index"] == 0), None)
    return {"idea": outcome["idea"]["name"], "baseline": baseline, "best": best(ok, lower),
            "variants": len(variants), "ok": len(ok), "metric": outcome["primary_metric"]}


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=6, help="variants per idea (both modes)")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sandbox", choices=("docker", "local"), default="docker")
    parser.add_argument("--runs-dir", type=Path, default=None)
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        runs_dir = opts.runs_dir or Path(tmp)
        runs_dir.mkdir(parents=True, exist_ok=True)
        for topic in TOPICS:
            linear = one_run(topic, "linear", opts, runs_dir)
            tree = one_run(topic, "tree", opts, runs_dir)
            rows.append((topic, linear, tree))
    print(f"budget: {opts.budget} variants per idea, {opts.seeds} seeds, offline model, "
          f"{opts.sandbox} sandbox, template tiny_mlp")
    print("| topic | idea | metric | baseline | linear best (ok/ran) | tree best (ok/ran) |")
    print("|---|---|---|---|---|---|")
    for topic, linear, tree in rows:
        print(f"| {topic} | {linear['idea']} / {tree['idea']} | {linear['metric']} | "
              f"{fmt(linear['baseline'])} | {fmt(linear['best'])} ({linear['ok']}/"
              f"{linear['variants']}) | {fmt(tree['best'])} ({tree['ok']}/{tree['variants']}) |")
    warn_if_loaded(15)


if __name__ == "__main__":
    main()
