"""Prompt tokens per stage as a local server's prefix cache sees them, without a real model.

    .venv/bin/python bench/prompt_cache.py [--template tiny_mlp] [-- aisci run options]

The whole run goes over HTTP to the tests' OpenAI-compatible fake server on 127.0.0.1, which
answers as the offline model does and records every prompt in the order it was served. A
server like llama.cpp's keeps the evaluated prefix of the previous prompt: a prompt costs the
tokens after the longest opening it shares with the one before. The figures are per stage:
calls, prompt tokens, the share a one-slot prefix cache serves, the uncached tokens. Tokens are
counted on the chat as Qwen's template lays it out, with the offline model's count (words and
punctuation marks: about 1.1 of a real tokenizer's tokens on these prompts), so the figures
compare prompt versions with each other, on any machine and in a minute, not with a bill.
The answers are the offline model's, so a real model's runs (``real_model.py``) differ in
length and in their repairs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_TOKEN = re.compile(r"\w+|[^\w\s]")
TOPIC = "momentum in small networks"


def chat_text(messages: list[dict[str, Any]]) -> str:
    """The chat as a ChatML template (Qwen's) lays it out for the model."""
    parts = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        parts.append(f"<|im_start|>{m.get('role')}\n{content}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


def shared_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", default="tiny_mlp")
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("run_args", nargs="*", help="more `aisci run` options, after --")
    args = parser.parse_args()
    from typer.testing import CliRunner

    from agents.cli import app
    from tests.fake_openai_server import FakeOpenAIServer

    prompts: list[list[str]] = []

    def record(messages: list[dict[str, Any]]) -> None:
        prompts.append(_TOKEN.findall(chat_text(messages)))

    with tempfile.TemporaryDirectory(prefix="aisci-cache-") as tmp, FakeOpenAIServer() as server:
        server.override = record  # records the prompt; None: the offline model answers
        result = CliRunner().invoke(app, [
            "run", args.topic, "--template", args.template, "--model", "openai/fake-local",
            "--api-base", server.url, "--sandbox", "local", "--runs-dir", tmp, "--quiet",
            *args.run_args])
        [run] = [p.parent for p in Path(tmp).glob("*/run.json")]
        events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
        reviewed = len(list(run.glob("ideas/*/reviews/meta_review.json")))
    calls = sorted((e for e in events if e["type"] == "llm_call"), key=lambda e: e["ts"])
    if len(calls) != len(prompts):
        sys.exit(f"{len(calls)} calls but {len(prompts)} prompts recorded")
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    previous: list[str] = []
    for call, tokens in zip(calls, prompts, strict=True):
        cached = shared_prefix(previous, tokens)
        for key in (call["stage"], "total"):
            rows[key][0] += 1
            rows[key][1] += len(tokens)
            rows[key][2] += len(tokens) - cached
        previous = tokens
    print(f"template: {args.template}  exit: {result.exit_code}  reviewed papers: {reviewed}")
    print("| stage | calls | prompt tokens | cached | uncached |")
    print("|---|---|---|---|---|")
    for stage in [*(k for k in rows if k != "total"), "total"]:
        n, total, uncached = rows[stage]
        share = f"{(total - uncached) / total:.0%}" if total else "-"
        print(f"| {stage} | {n} | {total} | {share} | {uncached} |")
    if reviewed:
        print(f"per reviewed paper: {rows['total'][2] // reviewed} uncached prompt tokens")


if __name__ == "__main__":
    main()
