"""How much running ideas in parallel saves: the same offline run of 4 ideas with
``--parallel 2`` and with ``--parallel 1``, on this machine.

    python bench/fanout_speedup.py                    # Docker sandbox (the default)
    python bench/fanout_speedup.py --sandbox local    # host subprocesses, no Docker
    python bench/fanout_speedup.py --repeats 2        # alternate the two, keep the fastest

Prints the wall time of each whole run (measured around the ``aisci run`` process) and, per
stage, its span in events.jsonl (from the first idea entering the stage to the last idea leaving
it), and the ratios parallel 1 / parallel 2. Every per-idea stage fans out: experiments, plots,
the paper with its compile, and the reviews of different ideas run concurrently.

An idea's stage starts at its ``node_start`` event and ends where its next stage starts: the
experiment ends at the idea's ``plot`` start, the plot at its ``write_paper`` start, the paper at
its ``paper`` event, the review at its ``review`` event.
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
from typing import Any

from _load import warn_if_loaded

TOPIC = "momentum in small networks"


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


STAGES = ("experiment", "plot", "write_paper", "review")
#: What ends an idea's stage: the start of the next stage, or the event the stage records.
ENDS = {"experiment": ("node_start", "plot"), "plot": ("node_start", "write_paper"),
        "write_paper": ("paper", None), "review": ("review", None)}


def read_events(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()
            if line.strip()]


def stage_spans(events: list[dict[str, Any]]) -> dict[str, float]:
    """Per stage: seconds from the first idea entering it to the last idea leaving it."""

    def when(kind: str, node: str | None, idea: str) -> float | None:
        times = [e["ts"] for e in events if e["type"] == kind and e.get("idea") == idea
                 and (node is None or e.get("node") == node)]
        return min(times) if times else None

    ideas = {e["idea"] for e in events if e["type"] == "node_start" and e.get("idea")}
    spans: dict[str, float] = {}
    for stage in STAGES:
        intervals = []
        for idea in ideas:
            begin, (kind, node) = when("node_start", stage, idea), ENDS[stage]
            finish = when(kind, node, idea)
            if begin is not None and finish is not None:
                intervals.append((begin, finish))
        if intervals:
            spans[stage] = max(f for _, f in intervals) - min(b for b, _ in intervals)
    return spans


#: What issue 30 asks: the once-per-run part, and the whole run's speedup on 2 cores.
TARGET_ONCE_S = 3.0
TARGET_SPEEDUP = 1.75
#: The parts that run once per run, each from the end of the one before (events.jsonl).
SERIAL = ("start and preflight", "baseline", "ideate", "check_novelty", "after the reviews")


def serial_parts(events: list[dict[str, Any]], started: float, ended: float) -> dict[str, float]:
    """Seconds of each once-per-run part: from the process start to the graph's start, the
    graph's first nodes, and from the last review to the end of the process."""

    def first(kind: str, node: str | None = None) -> float | None:
        times = [e["ts"] for e in events if e["type"] == kind
                 and (node is None or e.get("node") == node)]
        return min(times) if times else None

    marks = [started, first("run_start"), first("node_end", "baseline"),
             first("node_end", "ideate"), first("node_end", "check_novelty")]
    reviews = [e["ts"] for e in events if e["type"] == "review"]
    parts: dict[str, float] = {}
    for name, begin, end in zip(SERIAL[:4], marks[:-1], marks[1:], strict=True):
        if begin is not None and end is not None:
            parts[name] = end - begin
    if reviews:
        parts[SERIAL[4]] = ended - max(reviews)
    return parts


def one_run(runs_dir: Path, parallel: int,
            opts: argparse.Namespace) -> tuple[float, dict[str, float], dict[str, float]]:
    """Wall seconds of the whole run, the span of each stage, and the once-per-run parts."""
    target = runs_dir / f"parallel_{parallel}_{time.monotonic_ns()}"
    command = [*aisci(), "run", TOPIC, "--model", "mock", "--sandbox", opts.sandbox,
               "--num-ideas", str(opts.ideas), "--include-not-novel", "--reviewers", "1",
               "--parallel", str(parallel), "--runs-dir", str(target)]
    start, started = time.perf_counter(), time.time()
    done = subprocess.run(command, capture_output=True, text=True)
    wall, ended = time.perf_counter() - start, time.time()
    if done.returncode != 0:
        raise SystemExit(f"aisci run failed:\n{done.stdout}\n{done.stderr}")
    (run,) = [p for p in target.iterdir() if (p / "run.json").exists()]
    ran = sum(1 for p in run.glob("ideas/*/runs.json"))
    if ran != opts.ideas:
        raise SystemExit(f"{run}: {ran} ideas ran experiments, expected {opts.ideas}")
    events = read_events(run)
    return wall, stage_spans(events), serial_parts(events, started, ended)


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
        results: dict[int, list[tuple[float, dict[str, float], dict[str, float]]]] = {1: [], 2: []}
        for _ in range(opts.repeats):
            for parallel in (1, 2):
                results[parallel].append(one_run(runs_dir, parallel, opts))
    (wall_1, spans_1, once_1), (wall_2, spans_2, once_2) = (
        min(results[p], key=lambda r: r[0]) for p in (1, 2))
    print(f"setup: {opts.ideas} ideas, offline model, {opts.sandbox} sandbox, {os.cpu_count()} CPUs, "
          f"fastest of {opts.repeats}")
    print(f"{'':16}{'parallel 1':>12}{'parallel 2':>12}{'speedup':>10}")
    print(f"{'whole run':16}{wall_1:11.1f}s{wall_2:11.1f}s{wall_1 / wall_2:9.2f}x")
    for stage in STAGES:
        one, two = spans_1.get(stage), spans_2.get(stage)
        if one is not None and two is not None and two > 0:
            print(f"{stage:16}{one:11.1f}s{two:11.1f}s{one / two:9.2f}x")
    print("once per run (the same work in both):")
    for part in SERIAL:
        one, two = once_1.get(part), once_2.get(part)
        if one is not None and two is not None:
            print(f"  {part:20}{one:7.1f}s{two:11.1f}s")
    print(f"  {'in all':20}{sum(once_1.values()):7.1f}s{sum(once_2.values()):11.1f}s")
    once, speedup = sum(once_2.values()), wall_1 / wall_2
    print(f"targets: once per run {once:.1f} s (at most {TARGET_ONCE_S:g} s: "
          f"{'met' if once <= TARGET_ONCE_S else 'not met'}); whole run {speedup:.2f}x with "
          f"--parallel 2 (at least {TARGET_SPEEDUP:g}x: "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'not met'})")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"(1, 5, 15 min) on {os.cpu_count()} CPUs")
    warn_if_loaded(15)


if __name__ == "__main__":
    main()
