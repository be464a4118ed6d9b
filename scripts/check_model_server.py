"""One real completion from the local model server, and the speed it measured.

    python3 scripts/check_model_server.py PYTHON MODEL LOG

Starts llama-cpp-python's server (PYTHON -m llama_cpp.server) on a free port of 127.0.0.1,
asks for chat completions, and prints the prompt-evaluation and generation speeds it measured
on the wall clock, with the instruction sets the server says it uses (llama-cpp-python's own
llama_perf lines are not used: they count its batches oddly, e.g. 256 prompt tokens in
0.34 ms). Exits 3, with
the end of the log, when the server crashes (is killed by a signal: SIGILL, SIGSEGV), and 1
when it does not come up or answers with an error: a build with an instruction this machine
does not allow fails here, at setup, not in a test, and only a crash asks for a rebuild.
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


CRASHED = 3


def fail(message: str, log: Path, code: int = 1) -> int:
    print(f"model server check: {message}", file=sys.stderr)
    print(f"--- last lines of {log} ---\n{tail(log)}", file=sys.stderr)
    return code


def cpu_line(log_text: str) -> str:
    """The instruction sets the server reports (its ``CPU : SSE3 = 1 | AVX = 1 | ...`` line)."""
    found = re.findall(r"CPU : ([^\n]*)", log_text)
    return " ".join(p.split(" = ")[0].strip() for p in found[-1].split("|")
                    if p.strip().endswith("= 1")) if found else "unknown"


def crashed(proc: subprocess.Popen[bytes]) -> str | None:
    """How the server died, when a signal killed it (None while it runs or after an exit)."""
    code = proc.poll()
    if code is None or code >= 0:
        return None
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def get(url: str, timeout: float) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return int(response.status)


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
                if (how := crashed(proc)) is not None:
                    return fail(f"the server crashed while starting ({how})", log, CRASHED)
                return fail(f"the server exited with {proc.returncode} while starting", log)
            try:
                if get(f"http://127.0.0.1:{port}/v1/models", 2) == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                return fail(f"the server did not answer within {STARTUP_S} s", log)
            time.sleep(0.5)
        # Prompt speed: a cold request that generates one token. Generation speed: the same
        # request with room for 48 tokens, less the time of a warm one-token request (whether
        # the server's prefix cache kept the prompt or not, that difference is generation).
        timed = []
        for max_tokens in (1, 1, 48):
            answer = complete(port, max_tokens, proc, log)
            if isinstance(answer, int):
                return answer
            timed.append(answer)
        (cold, cold_s), (_warm, warm_s), (reply, full_s) = timed
        text = reply["choices"][0]["message"]["content"] or ""
        if not text.strip():
            return fail("the completion was empty", log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    prompt_tokens = int(cold.get("usage", {}).get("prompt_tokens", 0))
    generated = int(reply.get("usage", {}).get("completion_tokens", 0))
    gen_s = max(full_s - warm_s, 1e-3)
    print(f"model server: a real completion works ({cpu_line(log.read_text(errors='replace'))}); "
          f"measured: prompt evaluation "
          f"{prompt_tokens / cold_s:.1f} tokens/s ({prompt_tokens} tokens in {cold_s:.1f} s), "
          f"generation {max(generated - 1, 0) / gen_s:.1f} tokens/s ({generated} tokens in "
          f"{full_s:.1f} s)")
    return 0


def complete(port: int, max_tokens: int, proc: subprocess.Popen[bytes],
             log: Path) -> tuple[dict[str, Any], float] | int:
    """One chat completion of PROMPT and its wall time, or the exit code of a failure."""
    body = json.dumps({"model": "check", "max_tokens": max_tokens, "temperature": 0,
                       "messages": [{"role": "user", "content": PROMPT}]}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_S) as response:  # noqa: S310
            reply = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        for _ in range(10):  # a dying server closes its socket a moment before it is reaped
            if proc.poll() is not None:
                break
            time.sleep(0.5)
        if (how := crashed(proc)) is not None:
            return fail(f"the server crashed on a completion ({how}; {exc})", log, CRASHED)
        state = f"exited with {proc.returncode}" if proc.poll() is not None else "failed"
        return fail(f"the completion {state} ({exc})", log)
    return reply, time.monotonic() - started


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
