"""Run jobs as plain host subprocesses: UNSAFE, only when the user asks (``--sandbox local``).

It still applies what a host process can: a process group killed at the timeout, rlimits on
memory and file size, an output budget, and an environment reduced to the allow-list.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.base import SandboxJob, SandboxResult, filtered_env, tail_text

_POLL_S = 0.05
#: matplotlib's font cache survives between jobs (building it costs seconds per job).
_MPL_CACHE = Path(tempfile.gettempdir()) / "aisci-matplotlib"


class LocalSandbox:
    """Subprocess backend. Containment is weak: see the README's security notes."""

    name = "local"

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    def preflight(self) -> None:
        return None

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "python": self.python}

    def run(self, job: SandboxJob) -> SandboxResult:
        command = [self.python if c == "python" else c for c in job.command]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MPLBACKEND": "Agg",
               "HOME": str(job.workdir), "MPLCONFIGDIR": str(_MPL_CACHE),
               **filtered_env(job.env)}
        limits = job.limits

        def _limit() -> None:  # runs in the child before exec
            os.setsid()
            mem = limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (mem * 4, mem * 4))  # AS overcounts; be lenient
            size = limits.file_size_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

        with tempfile.TemporaryDirectory(prefix="aisci-local-") as tmp:
            out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
            with out_path.open("wb") as out, err_path.open("wb") as err:
                start = time.monotonic()
                proc = subprocess.Popen(
                    command, cwd=job.workdir, env=env, stdout=out, stderr=err,
                    stdin=subprocess.DEVNULL, preexec_fn=_limit,
                )
                verdict: str | None = None
                while proc.poll() is None:
                    elapsed = time.monotonic() - start
                    if elapsed > limits.timeout_s:
                        verdict = "timeout"
                    elif out_path.stat().st_size + err_path.stat().st_size > limits.output_bytes:
                        verdict = "output_limit"
                    if verdict:
                        _kill_group(proc)
                        break
                    time.sleep(_POLL_S)
                code = proc.wait()
                duration = time.monotonic() - start
            stdout = out_path.read_bytes()[-200_000:]
            stderr = err_path.read_bytes()[-200_000:]

        if verdict is None:
            if code == 0:
                missing = [f for f in job.expected_files if not (job.workdir / f).is_file()]
                verdict = "missing_results" if missing else "ok"
                detail = f"missing: {', '.join(missing)}" if missing else ""
            elif b"MemoryError" in stderr:  # the RLIMIT_AS cap: Python raises, nothing is killed
                verdict, detail = "oom", "ran out of its memory limit"
            else:  # a SIGKILL from outside cannot be told apart from a self-kill here: an error
                verdict = "error"
                detail = f"killed by signal {-code}" if code < 0 else ""
        else:
            detail = f"stopped after {limits.timeout_s:g} s" if verdict == "timeout" else (
                f"output exceeded {limits.output_bytes} bytes")
        return SandboxResult(
            verdict=verdict,  # type: ignore[arg-type]
            exit_code=code, duration_s=round(duration, 3), stdout_tail=tail_text(stdout),
            stderr_tail=tail_text(stderr), backend=self.name, detail=detail,
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
