"""--json gives one JSON object per line for scripts; --quiet prints only the run folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ARGS = ["run", "momentum", "--model", "mock", "--sandbox", "local", "--num-ideas", "1",
        "--max-runs", "1", "--reviewers", "1"]


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agents.cli", *ARGS, "--runs-dir", str(tmp_path),
                           *extra], capture_output=True, text=True, timeout=300)


def test_json_lines_describe_every_stage(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--json")
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    nodes = [e["node"] for e in events if e["event"] == "node"]
    assert nodes == ["baseline", "ideate", "check_novelty", "research_idea", "review_paper", "finish"]
    done = events[-1]
    assert done["event"] == "done" and done["status"] == "completed"
    assert Path(done["run_dir"], "run.json").exists() and done["calls"] > 0


def test_quiet_prints_only_the_run_folder(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--quiet")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and Path(lines[0], "run.json").exists()
