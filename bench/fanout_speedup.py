"""How much running ideas in parallel saves: the same offline run of 4 ideas with
``--parallel 2`` and with ``--parallel 1``, on this machine.

    python bench/fanout_speedup.py                    # Docker sandbox (the default)
    python bench/fanout_speedup.py --sandbox local    # host subprocesses, no Docker
    python bench/fanout_speedup.py --repeats 2        # alternate the two, keep the fastest

Prints the wall time of each whole run (measured around the ``aisci run`` process) and of its
experiment stage (from events.jsonl: first experiment node_start to last experiment node_end),
and the ratios parallel 1 / parallel 2. Only the experiment stage fans out; plots, papers and
reviews run one idea after another, so the whole-run ratio is smaller.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _load import warn_if_loaded

TOPIC = "momentum in small networks"


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


def experiment_span(run: Path) -> float:
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()
              if line.strip()]
    starts = [e["ts"] for e in events if e["type"] == "node_start" and e["node"] == "experiment"]
    ends = [e["ts"] for e in events if e["type"] == "node_end" and e["node"] == "experiment"]
    if not ends:
        raise SystemExit(f"{run}: no experiment ended")
    # Without node_start events, the experiment stage starts when check_novelty ends.
    first = min(starts) if starts else max(
        e["ts"] for e in events if e["type"] == "node_end" and e["node"] == "check_novelty")
    return max(ends) - first


def one_run(runs_dir: Path, parallel: int, opts: argparse.Namespace) -> tuple[float, float]:
    """Wall seconds of the whole run and of its experiment stage."""
    target = runs_dir / f"parallel_{parallel}_{time.monotonic_ns()}"
    command = [*aisci(), "run", TOPIC, "--model", "mock", "--sandbox", opts.sandbox,
               "--num-ideas", str(opts.ideas), "--include-not-novel", "--reviewers", "1",
               "--parallel", str(parallel), "--runs-dir", str(target)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"aisci run failed:\n{done.stdout}\n{done.stderr}")
    (run,) = [p for p in target.iterdir() if (p / "run.json").exists()]
    ran = sum(1 for p in run.glob("ideas/*/runs.json"))
    if ran != opts.ideas:
        raise SystemExit(f"{run}: {ran} ideas ran experiments, expected {opts.ideas}")
    return wall, experiment_span(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", choices=("docker", "local"), default="docker")
    parser.add_argument("--ideas", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=1,
                        help="alternate parallel 1 / parallel 2 this many times; keep the fastest")
    parser.add_argument("--runs-dir", type=Path, default=None,
                        help="keep the run folders here (default: a temporary folder, removed)")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        runs_dir = opts.runs_dir or Path(tmp)
        results: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(opts.repeats):
            for parallel in (1, 2):
                results[parallel].append(one_run(runs_dir, parallel, opts))
    (wall_1, exp_1), (wall_2, exp_2) = min(results[1]), min(results[2])
    print(f"setup          : {opts.ideas} ideas, offline model, {opts.sandbox} sandbox, "
          f"{os.cpu_count()} CPUs")
    print(f"parallel 1     : {wall_1:6.1f} s whole run, {exp_1:6.1f} s experiment stage")
    print(f"parallel 2     : {wall_2:6.1f} s whole run, {exp_2:6.1f} s experiment stage")
    print(f"speedup        : {wall_1 / wall_2:.2f}x whole run, {exp_1 / exp_2:.2f}x experiment "
          "stage (parallel 1 / parallel 2)")
    warn_if_loaded(15)


if __name__ == "__main__":
    main()
