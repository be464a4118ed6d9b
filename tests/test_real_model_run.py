"""The whole loop with a real instruction-tuned model: Qwen2.5-Coder-1.5B-Instruct, served by
llama-cpp-python on 127.0.0.1 as a user runs a local server, through the real Docker sandbox,
down to reviewed PDFs.

One idea, one run, two seeds, two reviewers, no review reflections and no section
revisions (what fails the number and claim checks is removed): 39 model calls in 872 s on 2
cores in the latest fresh-clone CI (22 calls in about 9 minutes before the copy checks and the
held-out test jobs). Run it alone with
``bash scripts/test.sh tests/test_real_model_run.py``. It needs ``scripts/setup_real_model.sh``
(the test setup runs it); without the server or the model it skips, and in CI it fails.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.domain.reviews import Review
from agents.llm.transcripts import read_calls
from tests.llm_server import LlamaServer, missing
from tests.support import IN_CI, load, only_run

pytestmark = [pytest.mark.slow, pytest.mark.real_model, pytest.mark.docker]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    reason = missing()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the real-model test: {reason}")
        pytest.skip(reason)
    with LlamaServer(log=tmp_path_factory.mktemp("llama") / "server.log") as running:
        yield running


def test_a_real_model_takes_an_idea_to_a_reviewed_pdf(server: LlamaServer, tmp_path: Path) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--template", "tiny_mlp",
        "--model", server.model, "--api-base", server.api_base, "--runs-dir", str(tmp_path),
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "2", "--reviewers", "2",
        "--novelty-rounds", "2", "--review-reflections", "0", "--refine-rounds", "0",
        "--include-not-novel"])
    elapsed = time.monotonic() - started
    died = server.died()  # a crashed server fails the test with its own log, not the run's words
    assert died is None, f"{died}\n(the run said: {result.output[-2000:]})"
    assert any(tmp_path.iterdir()), f"no run folder was made (exit {result.exit_code}): {result.output}"
    run = only_run(tmp_path)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    calls = [e for e in events if e["type"] == "llm_call"]
    print(f"real model: {len(calls)} calls in {elapsed:.0f} s; exit {result.exit_code}")
    refused = [f"{e['role']}/{e['task']}: {e['errors'][:200]} | reply: {e.get('reply', '')[:200]}"
               for e in events if e["type"] == "llm_invalid"][-6:]
    assert result.exit_code in (0, 4), result.output + "\nlast refused replies:\n" + "\n".join(refused)
    assert {c["model"] for c in calls} == {server.model}
    records = read_calls(run)  # every call's prompt and reply is on the record
    assert all(records[c["call_id"]].reply is not None for c in calls)
    run_json = load(run / "run.json")
    assert isinstance(run_json, dict)
    reviewed = []
    for idea in (run / "ideas").iterdir():
        record = idea / "paper" / "paper.json"
        if not record.is_file():
            continue
        paper = json.loads(record.read_text())
        reviews = sorted((idea / "reviews").glob("review_*.json"))
        if paper["status"] == "compiled" and reviews:
            assert (idea / "paper" / "paper.pdf").read_bytes().startswith(b"%PDF")
            assert paper["integrity"]["unverified"] == [] and paper["integrity"]["table_intact"]
            for path in reviews:
                review = Review.model_validate_json(path.read_text())
                assert 1 <= review.overall <= 10
            reviewed.append(idea.name)
    assert reviewed, f"no idea reached a compiled, checked and reviewed paper: {run_json.get('failures')}"
