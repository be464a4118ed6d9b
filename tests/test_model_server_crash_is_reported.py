"""The real-model test's server helper: a server that crashes is reported with how it died and
the last lines of its log (the words that say why), not as a refused connection."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from tests.crashing_server import CRASH_LINE
from tests.llm_server import LlamaServer

CRASHING = Path(__file__).with_name("crashing_server.py")


def _stand_in(tmp_path: Path) -> Path:
    """A "python" that runs the crashing server whatever module it is asked for."""
    script = tmp_path / "python"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{CRASHING}" "$@"\n')
    script.chmod(0o755)
    return script


def test_a_server_that_crashes_on_a_completion_is_reported_with_its_log(tmp_path: Path) -> None:
    server = LlamaServer(python=_stand_in(tmp_path), model_file=tmp_path / "none.gguf",
                         log=tmp_path / "server.log")
    with server:
        assert server.died() is None
        with pytest.raises(httpx.HTTPError):
            httpx.post(f"{server.api_base}/chat/completions", timeout=10,
                       json={"model": server.model, "messages": [{"role": "user", "content": "hi"}]})
        assert server.proc is not None
        server.proc.wait(timeout=10)
        died = server.died()
    assert died is not None
    assert "killed by SIGSEGV" in died and CRASH_LINE in died
