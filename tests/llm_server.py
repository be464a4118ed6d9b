"""The real local model of the tests: llama-cpp-python's OpenAI-compatible server on 127.0.0.1.

``scripts/setup_real_model.sh`` installs the server (``.venv-llm``) and the model (Qwen2.5-Coder-
1.5B-Instruct, GGUF Q4_K_M); ``LlamaServer`` starts it on a free port, waits until it answers,
and stops it (its whole process group) at the end. Like a user's own llama.cpp or Ollama
server, it reuses the evaluated prefix of the previous prompt, so a prompt that opens like the
one before it is fast. (Its ``--cache`` RAM cache of many prefixes is not used: its memory grew
past 20 GB in a long run here.)

    with LlamaServer() as server:
        print(server.api_base, server.model)   # http://127.0.0.1:<port>/v1 openai/qwen2.5-coder-1.5b
        ...
        assert server.died() is None, server.died()   # how it died, and the end of its log

A server that dies (a build with an instruction this CPU does not allow dies with SIGILL or
SIGSEGV on its first completion) is reported with the last lines of its log, at start and
after use, so a test fails with the server's own words instead of "connection refused".

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
PYTHON = REPO / ".venv-llm" / "bin" / "python"
MODEL_FILE = REPO / ".cache" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
ALIAS = "qwen2.5-coder-1.5b"
STARTUP_S = 180
SEED = 1234
LOG_LINES = 30


def missing() -> str | None:
    """Why the real model cannot be served here, or None."""
    if not PYTHON.exists():
        return f"{PYTHON} is missing: run `bash scripts/setup_real_model.sh`"
    if not MODEL_FILE.is_file():
        return f"{MODEL_FILE} is missing: run `bash scripts/setup_real_model.sh`"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(log: Path, lines: int = LOG_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {log})"
    return "\n".join(text.splitlines()[-lines:])


class LlamaServer:
    def __init__(self, *, threads: int | None = None, log: Path | None = None,
                 python: Path = PYTHON, model_file: Path = MODEL_FILE) -> None:
        self.python, self.model_file = python, model_file
        self.port = free_port()
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.log = log or REPO / ".cache" / "llama_server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        return f"openai/{ALIAS}"

    def start(self) -> LlamaServer:
        reason = missing() if (self.python, self.model_file) == (PYTHON, MODEL_FILE) else None
        if reason:
            raise RuntimeError(reason)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [str(self.python), "-m", "llama_cpp.server", "--model", str(self.model_file),
                   "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(self.port),
                   "--n_ctx", "32768", "--n_threads", str(self.threads),
                   "--n_threads_batch", str(self.threads),
                   "--seed", str(SEED)]  # the same sampling from one test run to the next
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if (died := self.died()) is not None:
                raise RuntimeError(f"while starting, {died}")
            try:
                if httpx.get(f"{self.api_base}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the model server did not answer within {STARTUP_S} s; the last lines "
                           f"of {self.log}:\n{log_tail(self.log)}")

    def died(self) -> str | None:
        """How the server ended, with the last lines of its log; None while it runs."""
        code = None if self.proc is None else self.proc.poll()
        if code is None:
            return None
        how = f"exit code {code}"
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        return f"the model server died ({how}); the last lines of {self.log}:\n{log_tail(self.log)}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()
