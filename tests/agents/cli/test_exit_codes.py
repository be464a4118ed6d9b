"""Exit codes as the README lists them: every kind of bad input is 2, a machine fault is 1."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest


def aisci_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agents.cli", "run", "x", "--sandbox", "local",
                           "--runs-dir", str(tmp_path / "runs"), *args],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("args", [["--model", "no-such-model"], ["--model", "gpt-4o-mini"]],
                         ids=["model name no provider knows", "provider key not set"])
def test_a_bad_model_is_bad_input(tmp_path: Path, args: list[str]) -> None:
    proc = aisci_run(tmp_path, *args)
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and args[1] in errors[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists()


def test_a_server_that_does_not_answer_is_a_machine_fault(tmp_path: Path) -> None:
    proc = aisci_run(tmp_path, "--model", "openai/m", "--api-base",
                     f"http://127.0.0.1:{free_port()}/v1")
    assert proc.returncode == 1, proc.stderr
    assert "nothing listens at" in proc.stderr and "connection refused" in proc.stderr
    assert not (tmp_path / "runs").exists()
