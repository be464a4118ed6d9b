"""The local (unsafe) backend still reports verdicts as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.base import Limits, SandboxJob, SandboxResult
from sandbox.local import LocalSandbox


def _run(tmp_path: Path, code: str, **job: Any) -> SandboxResult:
    (tmp_path / "exp.py").write_text(code)
    return LocalSandbox().run(SandboxJob(workdir=tmp_path, command=["python", "exp.py"], **job))


def test_ok_with_results(tmp_path: Path) -> None:
    result = _run(tmp_path, "open('final_info.json', 'w').write('{}')\nprint('done')\n",
                  expected_files=["final_info.json"])
    assert result.verdict == "ok" and result.exit_code == 0
    assert "done" in result.stdout_tail


def test_error_carries_exit_code_and_stderr(tmp_path: Path) -> None:
    result = _run(tmp_path, "import sys\nraise SystemExit('boom')\n")
    assert result.verdict == "error" and result.exit_code == 1
    assert "boom" in result.stderr_tail


def test_timeout_stops_the_job(tmp_path: Path) -> None:
    result = _run(tmp_path, "import time\ntime.sleep(30)\n", limits=Limits(timeout_s=1))
    assert result.verdict == "timeout"
    assert result.duration_s < 5


def test_missing_results_are_named(tmp_path: Path) -> None:
    result = _run(tmp_path, "print('forgot')\n", expected_files=["final_info.json"])
    assert result.verdict == "missing_results"
    assert "final_info.json" in result.detail


def test_output_flood_is_cut(tmp_path: Path) -> None:
    result = _run(tmp_path, "while True:\n    print('x' * 10000)\n",
                  limits=Limits(output_bytes=100_000, timeout_s=20))
    assert result.verdict == "output_limit"
    assert len(result.stdout_tail) < 10_000


def test_host_keys_are_not_forwarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-canary")
    result = _run(tmp_path, "import os\nprint(sorted(os.environ), os.environ.get('OPENAI_API_KEY'))\n",
                  env={"OPENAI_API_KEY": "sk-local-canary"})
    assert result.verdict == "ok"
    assert "sk-local-canary" not in result.stdout_tail and "OPENAI" not in result.stdout_tail
