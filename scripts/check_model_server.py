"""One real completion from the local model server, and the speed it measured.

    python3 scripts/check_model_server.py PYTHON MODEL LOG

Starts llama-cpp-python's server (PYTHON -m llama_cpp.server) on a free port of 127.0.0.1,
asks two chat completions of one prompt (one token, then a few dozen: the second reuses the
evaluated prompt from the server's prefix cache), and prints the prompt and generation speed
measured on the wall clock, with the instruction sets the server says it uses. (llama-cpp-
python's own llama_perf lines are not used: they count its batches oddly, e.g. 256 prompt
tokens in 0.34 ms.) Exits 1, with
the end of the log, when the server does not come up or answers with an error, and 3 when
its process died (a build with an instruction this machine does not allow): that fails here,
at setup, not in a test.
Standard library only: it runs before any virtual environment is trusted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

STARTUP_S = 240
REQUEST_S = 300
PROMPT = ("Here is a short Python function.\n\n"
          + "\n".join(f"def add_{i}(a, b):\n    return a + b + {i}\n" for i in range(12))
          + "\nWrite one sentence that says what these functions have in common.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(log: Path, lines: int = 25) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


CRASHED = 3  # the exit code when the server process died: the build, not the machine's load


def fail(message: str, log: Path, code: int = 1) -> int:
    print(f"model server check: {message}", file=sys.stderr)
    print(f"--- last lines of {log} ---\n{tail(log)}", file=sys.stderr)
    return code


def get(url: str, timeout: float) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return int(response.status)


def cpu_line(log_text: str) -> str:
    """The instruction sets the server reports (its ``CPU : SSE3 = 1 | AVX = 1 | ...`` line)."""
    found = re.findall(r"CPU : ([^\n]*)", log_text)
    return " ".join(p.split(" = ")[0].strip() for p in found[-1].split("|")
                    if p.strip().endswith("= 1")) if found else "unknown"


def complete(port: int, max_tokens: int) -> tuple[dict[str, Any], float]:
    """One chat completion of PROMPT: (the reply, seconds on the wall clock)."""
    body = json.dumps({"model": "check", "max_tokens": max_tokens, "temperature": 0,
                       "messages": [{"role": "user", "content": PROMPT}]}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=REQUEST_S) as response:  # noqa: S310
        reply: dict[str, Any] = json.loads(response.read())
    return reply, time.monotonic() - started


def main(python: str, model: str, log: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [python, "-m", "llama_cpp.server", "--model", model, "--model_alias", "check",
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
               "--n_threads", str(os.cpu_count() or 1), "--verbose", "true"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                return fail(f"the server exited with {proc.returncode} while starting", log, CRASHED)
            try:
                if get(f"http://127.0.0.1:{port}/v1/models", 2) == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                return fail(f"the server did not answer within {STARTUP_S} s", log)
            time.sleep(0.5)
        try:
            first, prompt_s = complete(port, 1)
            reply, total_s = complete(port, 48)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            time.sleep(1)
            if proc.poll() is not None:
                return fail(f"the server crashed on a completion ({exc}; exit {proc.returncode})",
                            log, CRASHED)
            return fail(f"the completion failed ({exc})", log)
        text = reply["choices"][0]["message"]["content"] or ""
        if not text.strip():
            return fail("the completion was empty", log)
        prompt_tokens = int(first.get("usage", {}).get("prompt_tokens", 0))
        generated = int(reply.get("usage", {}).get("completion_tokens", 0))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    print(f"model server: a real completion works ({cpu_line(log.read_text(errors='replace'))}): "
          f"prompt {prompt_tokens / prompt_s:.1f} tokens/s ({prompt_tokens} tokens in "
          f"{prompt_s:.1f} s), generation {generated / total_s:.1f} tokens/s ({generated} tokens "
          f"in {total_s:.1f} s, prompt cached)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
