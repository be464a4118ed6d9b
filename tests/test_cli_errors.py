"""Bad input: a one-line error and a non-zero exit, never a traceback, nothing created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CASES = [
    (["run", ""], "topic is empty"),
    (["run", "   "], "topic is empty"),
    (["run", "x", "--template", "no_such_template"], "Unknown template 'no_such_template'"),
    (["run", "x", "--sandbox", "vm"], "Invalid value for '--sandbox': Value error, 'vm' is not "
                                      "one of 'docker', 'local'"),
    (["run", "x", "--approve", "everything"], "Invalid value for '--approve'"),
    (["run", "x", "--literature", "google"], "Invalid value for '--literature'"),
    (["run", "x", "--seeds", "0"], "Invalid value for '--seeds'"),
    (["run", "x", "--model", "gpt-4o-mini", "--sandbox", "local"],
     "OPENAI_API_KEY is not set. Fix: export OPENAI_API_KEY"),
    (["show", "no-such-run"], "no run 'no-such-run'"),
    (["resume", "no-such-run"], "no run 'no-such-run'"),
]


@pytest.mark.parametrize(("args", "message"), CASES)
def test_bad_input_fails_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "agents.cli", *args, *(
        ["--runs-dir", str(tmp_path / "runs")] if args[0] in ("run", "show", "resume") else [])],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines()
             if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "runs").exists(), "a failed start must not create a run folder"


def test_doctor_reports_each_missing_part_with_its_fix(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "agents.cli", "doctor", "--model", "gpt-4o-mini",
                           "--sandbox", "local"], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
                          | {"COLUMNS": "250"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "gpt-4o-mini" in line)
    assert "no" in row and "export OPENAI_API_KEY" in row


def test_help_is_fast_and_lists_commands() -> None:
    proc = subprocess.run([sys.executable, "-m", "agents.cli", "--help"], capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0
    for command in ("run", "resume", "list", "show", "template"):
        assert command in proc.stdout
    loaded = subprocess.run([sys.executable, "-c", "import agents.cli, sys; "
                             "print('litellm' in sys.modules, 'langgraph' in sys.modules)"],
                            capture_output=True, text=True, timeout=30)
    assert loaded.stdout.strip() == "False False", "aisci --help must not import litellm/langgraph"
