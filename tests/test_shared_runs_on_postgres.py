"""Shared runs: the checkpoints of a run in a real PostgreSQL server. A run killed with SIGKILL
resumes from another working directory and completes without rerunning finished jobs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.postgres_server import PostgresServer, missing
from tests.support import IN_CI, aisci, at_node, kill_at, load

ARGS = ("--model", "mock", "--sandbox", "local", "--num-ideas", "2", "--max-runs", "1",
        "--seeds", "2", "--reviewers", "1")


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    reason = missing()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL test: {reason}")
        pytest.skip(reason)
    with PostgresServer() as server:
        yield server


def _events(run: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


def test_a_killed_run_resumes_from_another_directory(postgres: PostgresServer, tmp_path: Path) -> None:
    runs_dir = tmp_path / "shared" / "runs"
    runs_dir.mkdir(parents=True)
    first_cwd, second_cwd = tmp_path / "laptop", tmp_path / "workstation"
    first_cwd.mkdir()
    second_cwd.mkdir()
    run = kill_at(aisci("run", "momentum in small networks", *ARGS, "--runs-dir", str(runs_dir),
                        "--checkpointer", postgres.dsn),
                  runs_dir, at_node("node_end", "research_idea"), cwd=first_cwd,
                  log=tmp_path / "killed.log")
    assert not (run / "checkpoints.sqlite").exists(), "the checkpoints went to SQLite"
    with psycopg.connect(postgres.dsn) as conn:
        threads = {row[0] for row in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    assert run.name in threads
    before = _events(run)
    finished = {(e["idea"], e["run"]) for e in before if e["type"] == "sandbox_run"}

    resumed = subprocess.run(aisci("resume", str(run), "--sandbox", "local", "--checkpointer", postgres.dsn), cwd=second_cwd, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert load(run / "run.json")["status"] == "completed"  # type: ignore[index]
    assert len(list(run.glob("ideas/*/reviews/meta_review.json"))) == 2
    after = _events(run)[len(before):]
    again = [e for e in after if e["type"] == "sandbox_run" and (e["idea"], e["run"]) in finished
             and not e["cached"]]
    assert not again, f"finished sandbox jobs ran again: {again}"
