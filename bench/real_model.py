"""A whole research run on a real model, and how well the model handled each task.

    .venv/bin/python bench/real_model.py --serve                       # the bundled 1.5B model
    .venv/bin/python bench/real_model.py --model openai/x --api-base http://127.0.0.1:8080/v1
    .venv/bin/python bench/real_model.py --serve -- --num-ideas 1 --reviewers 2   # aisci run options

Per stage: the model calls, the prompt tokens, the share of them served from the server's
prefix cache, the generated tokens and the seconds. Per task: the questions asked, the share
answered usably at the first try, the repairs, the calls and tokens. End to end: the wall time,
the status, the reviewed papers, and per reviewed paper the uncached prompt tokens and the
minutes. ``--serve`` starts llama-cpp-python's server on the bundled
Qwen2.5-Coder-1.5B-Instruct (``scripts/setup_real_model.sh`` installs both) and stops it
afterwards.

The cached share comes from the server's own log (llama-cpp-python reports no cached tokens in
``usage``): for each chat request it prints ``Llama.generate: N prefix-match hit, remaining M
prompt tokens to eval`` when it reuses the evaluated prefix of the previous prompt, and nothing
when it evaluates the whole prompt. Requests are served one at a time (aisci's gate for a local
server), so the log's requests line up with the run's ``llm_call`` events, last to last (the
preflight's probes come first). ``--server-log`` reads the log of a server you started yourself
(with ``--verbose true``, its default).
"""

from __future__ import annotations

import argparse
import json
import re
import signal
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
#: Tries of a run whose preflight found the server too slow to answer (a busy machine).
PREFLIGHT_TRIES = 3


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


_REQUEST_END = re.compile(r'"POST /v1/chat/completions HTTP/[\d.]+" \d{3}')
_PREFIX_HIT = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")
_ALL_CACHED = "Llama.generate: full prompt already cached"


def cached_per_request(log: str) -> list[int | None]:
    """Per chat request in the server's log, in order: the prompt tokens served from the
    prefix cache (0: the whole prompt was evaluated; None: the whole prompt was cached)."""
    cached: list[int | None] = []
    start = 0
    for end in _REQUEST_END.finditer(log):
        segment = log[start:end.start()]
        hit = _PREFIX_HIT.search(segment)
        cached.append(None if _ALL_CACHED in segment else int(hit.group(1)) if hit else 0)
        start = end.end()
    return cached


def attach_cached(calls: list[dict[str, Any]], log: str) -> bool:
    """Set each call's ``cached_tokens`` from the server log; False when they do not line up."""
    per_request = cached_per_request(log)
    if len(per_request) < len(calls):
        return False
    for call, cached in zip(calls, per_request[len(per_request) - len(calls):], strict=True):
        call["cached_tokens"] = call["prompt_tokens"] if cached is None else min(
            cached, call["prompt_tokens"])
    return True


def stage_table(calls: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    by_stage: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in calls:
        by_stage[c.get("stage", "?")].append(c)
    rows = []
    for stage, group in [*sorted(by_stage.items(), key=lambda kv: min(c["ts"] for c in kv[1])),
                         ("total", calls)]:
        prompt = sum(c["prompt_tokens"] for c in group)
        cached = sum(c["cached_tokens"] for c in group if "cached_tokens" in c)
        known = all("cached_tokens" in c for c in group)
        rows.append((stage, str(len(group)), str(prompt),
                     f"{cached / prompt:.0%}" if known and prompt else "-",
                     str(prompt - cached) if known else "-",
                     str(sum(c["completion_tokens"] for c in group)),
                     f"{sum(c['duration_s'] for c in group):.0f}"))
    return rows


def print_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")


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


_REFUSED = ("example", "instructions", "repeats the")


def refused_copies(events: list[dict[str, Any]]) -> dict[str, int]:
    """Per task, the replies refused as copies (of the example, the instructions, a section)."""
    counts: dict[str, int] = defaultdict(int)
    for e in events:
        if e["type"] == "llm_invalid" and any(w in e.get("errors", "") for w in _REFUSED):
            counts[e["task"]] += 1
    return dict(counts)


def paper_sections(tex: str) -> dict[str, str]:
    """The abstract and each \\section of an assembled paper, as text."""
    found = {}
    abstract = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", tex, re.DOTALL)
    if abstract:
        found["Abstract"] = abstract.group(1)
    for name, body in re.findall(r"\\section\{([^}]*)\}(.*?)(?=\\section\{|\\bibliography|"
                                 r"\\end\{document\}|\Z)", tex, re.DOTALL):
        found[name] = body
    return found


def kept_copies(run: Path) -> list[str]:
    """What the run kept that is not the model's own: an idea, a section or a review that
    copies its example or the prompts' instructions, two sections that share a paragraph."""
    from agents.domain.ideas import IdeaDraft
    from agents.domain.reviews import MetaReview, Review
    from agents.llm.copies import copied_answer, copied_text
    from agents.paper.repeats import repeated

    found = []
    ideas = json.loads((run / "ideas.json").read_text()) if (run / "ideas.json").is_file() else []
    for idea in ideas:
        draft = IdeaDraft.model_validate(idea)
        why = copied_answer(draft, IdeaDraft.example())
        if why:
            found.append(f"idea {idea['name']}: {why}")
    for tex in run.glob("ideas/*/paper/template.tex"):
        sections = paper_sections(tex.read_text(errors="replace"))
        for name, body in sections.items():
            why = copied_text(body)
            if why:
                found.append(f"{tex.parent.parent.name} {name}: copies {why}")
            for paragraph, other in repeated(body, {n: t for n, t in sections.items() if n != name}):
                found.append(f"{tex.parent.parent.name} {name} repeats {other}: {paragraph[:80]}")
    for path in run.glob("ideas/*/reviews/review_*.json"):
        why = copied_answer(Review.model_validate_json(path.read_text()), Review.example())
        if why:
            found.append(f"{path.parent.parent.name} {path.name}: {why}")
    for path in run.glob("ideas/*/reviews/meta_review.json"):
        why = copied_answer(MetaReview.model_validate_json(path.read_text()), MetaReview.example())
        if why:
            found.append(f"{path.parent.parent.name} meta-review: {why}")
    return found


def run_for(command: list[str], timeout: float | None) -> subprocess.CompletedProcess[str]:
    """Run ``command``; past ``timeout`` seconds it is interrupted (Ctrl-C: the run records
    what it has, its status "interrupted") and the figures are of what it did so far."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"note: the run was interrupted after {timeout:.0f} s (--timeout)")
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def warm_up(api_base: str) -> None:
    """One short completion before the run: a server's first answer (the model paged in from
    disk) can take longer than the preflight waits on a busy machine."""
    import httpx

    httpx.post(f"{api_base}/chat/completions", timeout=600, json={
        "model": "any", "max_tokens": 4, "messages": [{"role": "user", "content": "Say hi."}]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="litellm model name (default with --serve: the bundled one)")
    parser.add_argument("--api-base")
    parser.add_argument("--serve", action="store_true", help="start the bundled local model server")
    parser.add_argument("--runs-dir", type=Path, help="keep the run here (default: a temporary folder)")
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--template", default="tiny_mlp")
    parser.add_argument("--threads", type=int, help="the served model's threads (default: all "
                        "cores; 1 keeps a busy machine's other work from stalling every step)")
    parser.add_argument("--timeout", type=float, help="interrupt the run after this many seconds")
    parser.add_argument("--resume", type=Path, help="continue this interrupted run (aisci "
                        "resume) instead of starting one: a run longer than --timeout in parts")
    parser.add_argument("--earlier-log", type=Path, help="with --resume: the server log of the "
                        "part before (its cached share)")
    parser.add_argument("--server-log", type=Path, help="the log of the server (with --serve: its own)")
    parser.add_argument("run_args", nargs="*", help="more `aisci run` options, after --")
    args = parser.parse_args()
    server = None
    if args.serve:
        from tests.llm_server import LlamaServer

        args.server_log = Path(tempfile.mkdtemp(prefix="aisci-bench-log-")) / "server.log"
        server = LlamaServer(log=args.server_log, threads=args.threads).start()
        print(f"server threads: {server.threads}")
        args.model, args.api_base = args.model or server.model, server.api_base
        warm_up(server.api_base)
    if not args.model:
        parser.error("--model (or --serve) is required")
    warn_if_loaded()
    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        runs_dir = args.resume.parent if args.resume else args.runs_dir or Path(tmp)
        command = [*aisci(), "run", args.topic, "--template", args.template, "--model", args.model,
                   "--runs-dir", str(runs_dir), "--quiet", *args.run_args]
        if args.resume:
            command = [*aisci(), "resume", str(args.resume), "--model", args.model, "--quiet"]
        if args.api_base:
            command += ["--api-base", args.api_base]
        started, since = time.monotonic(), time.time()
        try:
            for attempt in range(1, PREFLIGHT_TRIES + 1):
                proc = run_for(command, args.timeout)
                if any(runs_dir.glob("*/run.json")) or "did not answer" not in proc.stderr:
                    break
                # the preflight's short wait ran out on a busy machine: not the run's result
                print(f"note: the preflight timed out (try {attempt}): {proc.stderr.strip()[-160:]}")
                started = time.monotonic()
        finally:
            if server is not None:
                server.stop()
        wall = time.monotonic() - started
        folders = [p.parent for p in runs_dir.glob("*/run.json")]
        if not folders:
            sys.exit(f"no run folder: {proc.stderr.strip()[-500:]}")
        run = args.resume or max(folders, key=lambda p: p.stat().st_mtime)
        events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
        from agents.run.record import parse_run_record

        status = parse_run_record(run / "run.json").status.value
        reviewed = len(list(run.glob("ideas/*/reviews/meta_review.json")))
        calls = sorted((e for e in events if e["type"] == "llm_call"), key=lambda e: e["ts"])
        log = args.server_log.read_text(errors="replace") if args.server_log and \
            args.server_log.is_file() else ""
        # this server served the calls made since it started (a resumed run's earlier parts
        # were served by another, whose log has their share)
        lined_up = attach_cached([c for c in calls if c["ts"] >= since], log) if log else False
        earlier = [c for c in calls if c["ts"] < since]
        if earlier and lined_up:
            lined_up = bool(args.earlier_log) and attach_cached(
                earlier, args.earlier_log.read_text(errors="replace"))
        print(f"model: {args.model}  run: {run}  template: {args.template}  server log: "
              f"{args.server_log or '-'}")
        print_table(("stage", "calls", "prompt tokens", "cached", "uncached", "generated tokens",
                     "seconds"), stage_table(calls))
        if log and not lined_up:
            print("note: the server log holds fewer requests than the run made: no cached share")
        print()
        print_table(("task", "asked", "first-try valid", "repairs", "failed", "calls",
                     "prompt tokens", "completion tokens", "seconds"), table(events))
        prompt_tokens = sum(c["prompt_tokens"] for c in calls)
        uncached = prompt_tokens - sum(c.get("cached_tokens", 0) for c in calls)
        print(f"wall time: {wall:.0f} s; status: {status} (exit {proc.returncode}); reviewed "
              f"papers: {reviewed}; model calls: {len(calls)}; prompt tokens: {prompt_tokens} "
              f"({uncached if lined_up else '-'} uncached)")
        record = json.loads((run / "run.json").read_text())
        print(f"rounds of ideas: {record.get('idea_rounds', '-')}; replies refused as copies: "
              f"{refused_copies(events) or 'none'}")
        try:
            kept = kept_copies(run)
        except ImportError:  # an older aisci (a "before" measurement) has no copy checks
            kept = []
        print(f"kept copies or repeated paragraphs: {len(kept)}"
              + "".join(f"\n  - {k}" for k in kept))
        total_wall = wall  # a resumed run: the graph's time in all parts (run.json)
        if args.resume:
            total_wall = float(record.get("timings", {}).get("wall_s") or wall)
        if args.resume:
            print(f"the run's wall time, all parts: {total_wall:.0f} s")
        if reviewed:
            print(f"per reviewed paper: {prompt_tokens // reviewed} prompt tokens, "
                  f"{uncached // reviewed if lined_up else '-'} uncached, "
                  f"{total_wall / reviewed / 60:.1f} min")

if __name__ == "__main__":
    main()
