"""One real completion from the local model server, and the speed it measured.

    python3 scripts/check_model_server.py PYTHON MODEL LOG

Starts llama-cpp-python's server (PYTHON -m llama_cpp.server) on a free port of 127.0.0.1,
asks one chat completion, and prints the prompt and generation speed the server measured
(its llama_perf lines in LOG), or the wall-clock rate where those are missing. Exits 3, with
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


def speeds(log_text: str) -> tuple[str, str] | None:
    """The server's own prompt and generation rates (llama_perf_context_print), if printed."""
    prompt = re.findall(r"prompt eval time =.*?/\s*(\d+) tokens.*?([\d.]+) tokens per second", log_text)
    gen = re.findall(r"\beval time =.*?/\s*(\d+) runs.*?([\d.]+) tokens per second", log_text)
    if not prompt or not gen:
        return None
    return (f"{prompt[-1][1]} tokens/s over {prompt[-1][0]} prompt tokens",
            f"{gen[-1][1]} tokens/s over {gen[-1][0]} generated tokens")


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
        body = json.dumps({"model": "check", "max_tokens": 48, "temperature": 0,
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
        seconds = time.monotonic() - started
        text = reply["choices"][0]["message"]["content"] or ""
        usage = reply.get("usage", {})
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
    measured = speeds(log.read_text(errors="replace"))
    if measured:
        rate = f"prompt {measured[0]}; generation {measured[1]}"
    else:
        total = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0))
        rate = f"{total / seconds:.1f} tokens/s (prompt and generation together, wall clock)"
    print(f"model server: a real completion in {seconds:.1f} s: {rate}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
