"""The offline end-to-end time: one ``aisci run`` with the built-in offline model on the
smallest template (tiny_mlp), with the CLI's defaults (2 ideas, 3 reviewers, Docker sandbox).

    python bench/offline_end_to_end.py
    python bench/offline_end_to_end.py --sandbox local

Prints the wall time measured around the process, the run's own wall time (run.json), and the
time per stage from events.jsonl (each node_end counts from the previous one, so the parallel
experiment nodes add up to the stage's span).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _load import warn_if_loaded

from agents.report.page import stage_seconds
from agents.run import read_events
from agents.run.record import parse_run_record

TOPIC = "momentum in small networks"


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", choices=("docker", "local"), default="docker")
    parser.add_argument("--template", default="tiny_mlp")
    parser.add_argument("--runs-dir", type=Path, default=None,
                        help="keep the run folder here (default: a temporary folder, removed)")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        runs_dir = opts.runs_dir or Path(tmp)
        before = set(runs_dir.iterdir()) if runs_dir.exists() else set()
        command = [*aisci(), "run", TOPIC, "--model", "mock", "--template", opts.template,
                   "--sandbox", opts.sandbox, "--runs-dir", str(runs_dir)]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"aisci run failed:\n{done.stdout}\n{done.stderr}")
        (run,) = [p for p in set(runs_dir.iterdir()) - before if (p / "run.json").exists()]
        record = parse_run_record(run / "run.json")
        events = read_events(run)

    print(f"setup          : template {opts.template}, offline model, {opts.sandbox} sandbox, "
          f"{os.cpu_count()} CPUs; status {record.status.value}")
    print(f"end to end     : {wall:6.1f} s (the aisci process, start to exit)")
    print(f"run.json       : {record.timings.wall_s:6.1f} s "
          "(the graph, after imports and preflight)")
    for stage, seconds in stage_seconds(events).items():
        print(f"  {stage:<13}: {seconds:6.2f} s")
    warn_if_loaded(15)


if __name__ == "__main__":
    main()
