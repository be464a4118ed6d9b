"""events.jsonl is read back through its typed records: what a run wrote comes back equal, and
a line that is not a record aisci writes (a cost below zero, a count that is not a number, a plan
hash that is not one, an unknown kind) is left out of everything derived from the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from agents.cost import CostLedger
from agents.domain import LLMCall, NodeStart, PlanFixed, SandboxRun, parse_event
from agents.run import RunFolder, read_events

SHA = "ab" * 32


def _call(cost: float, tokens: int = 100) -> LLMCall:
    return LLMCall(stage="ideate", role="ideation", task="generate_ideas", model="openai/q",
                   prompt_tokens=tokens, completion_tokens=10, cost_usd=cost)


def test_what_a_run_writes_reads_back_equal(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "t")
    written = [NodeStart(node="experiment", idea="momentum"), _call(0.25),
               SandboxRun(idea="momentum", run="run_1/seed_0", verdict="ok", duration_s=1.5),
               PlanFixed(idea="momentum", sha256=SHA)]
    for event in written:
        run.event(event)
    assert run.events() == written
    assert read_events(tmp_path / "nowhere") == []


def test_a_tampered_log_neither_lowers_the_cost_spent_nor_fixes_a_plan(tmp_path: Path) -> None:
    """A shared run folder's log says what was spent before a resume (``--max-cost`` counts
    from it): a call with a negative cost would raise the budget left."""
    run = RunFolder.create(tmp_path, "t")
    run.event(_call(0.25))
    good = json.loads(_call(0.5).model_dump_json())
    tampered = [
        {**good, "cost_usd": -100.0},                # money back
        {**good, "prompt_tokens": -10**6},           # tokens back
        {**good, "cost_usd": "0.5"} | {"prompt_tokens": "lots"},
        {**good, "cost_usd": float("nan")},
        {**good, "type": "llm_refund"},              # a kind aisci never writes
        {**good, "note": "free"},                    # a field aisci never writes
        {"type": "plan_fixed", "idea": "momentum", "sha256": "../../etc/passwd", "ts": 1.0},
    ]
    with (run.path / "events.jsonl").open("a") as f:
        for line in tampered:
            f.write(json.dumps(line) + "\n")
        f.write(json.dumps(good) + "\n")
        f.write('{"type": "llm_call", "cost_usd": 0.')  # a line cut by a crash
    events = run.events()
    assert [e.cost_usd for e in events if isinstance(e, LLMCall)] == [0.25, 0.5]
    ledger = CostLedger.from_events(events)
    assert ledger.total.cost_usd == 0.75 and ledger.total.prompt_tokens == 200
    assert not [e for e in events if isinstance(e, PlanFixed)]


def test_a_record_is_closed_where_it_is_written() -> None:
    with pytest.raises(ValidationError):
        LLMCall(role="r", task="t", model="m", prompt_tokens=1, completion_tokens=1,
                cost_usd=0.1, **{"api_key": "sk-x"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        _call(-0.1)
    assert parse_event('{"type": "node_end"}') is None  # a node_end names its node
    assert parse_event("[" * 10_000 + "]" * 10_000) is None
