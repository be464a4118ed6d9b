"""Run jobs as plain host subprocesses: UNSAFE, only when the user asks (``--sandbox local``).

What it applies: an environment reduced to the allow-list (plus TeX's paranoid kpathsea
settings, see ``sandbox.tex``); a new process group, killed as a whole at the timeout, past the
output budget, past ``Limits.disk_mb`` in the job folder, and when the job ends; rlimits set
by a tiny exec wrapper (address space at 4x ``memory_mb`` per process, ``file_size_mb`` per
file, no core dumps, 4096 open files); and afterwards the job folder is reduced to plain files
and folders within the ``Limits.result_*`` caps (``sandbox.sanitize``), because host code later
copies and rewrites it. No ``preexec_fn``: forking a threaded parent with one is unsafe.

What it does NOT contain, since the job runs as you, on your machine:

- the file system: everything you can read or write, the job can: your home, SSH and cloud
  credentials, ``.env`` files and configs holding API keys, other projects, this aisci
  installation and its sandbox code; it can persist (crontab, shell rc files);
- the network: full access, to the internet, your LLM endpoints and local services;
- other processes: it can signal or trace your other processes, and a child that calls
  ``setsid`` leaves the process group and outlives the job;
- resources: memory is capped per process, not in total; processes, CPU, ``/tmp`` and disk
  outside the job folder are not limited at all (a fork bomb reaches the host);
- secrets: only the environment is filtered; keys in files are readable;
- the job image: ``SandboxJob.image`` is ignored, the host's programs run;
- ``SandboxJob.readonly``: its write bits are cleared while the job runs, but the job runs as
  the files' owner and can set them again: only the caller's check after the job catches a
  change (``agents.templates.grader`` does, for a template's grader).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.base import (
    CleanupReport,
    OutputSink,
    SandboxJob,
    SandboxResult,
    Verdict,
    filtered_env,
    tail_text,
)
from sandbox.copyback import ResultCaps
from sandbox.disk import DiskWatch, tree_usage
from sandbox.sanitize import sanitize_tree
from sandbox.tex import tex_hardening_env

_POLL_S = 0.05
#: matplotlib's font cache survives between jobs (building it costs seconds per job).
_MPL_CACHE = Path(tempfile.gettempdir()) / "aisci-matplotlib"
#: Runs as ``python -I -S -c _RLIMITS <as> <fsize> <command...>``: limits, then exec.
_RLIMITS = """\
import os, resource, sys
for limit, value in ((resource.RLIMIT_AS, int(sys.argv[1])),
                     (resource.RLIMIT_FSIZE, int(sys.argv[2])),
                     (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 4096)):
    hard = resource.getrlimit(limit)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(limit, (value, value))
os.execvp(sys.argv[3], sys.argv[3:])
"""


class LocalSandbox:
    """Subprocess backend. Containment is weak: see this module's docstring."""

    name = "local"
    streams_output = True  # run() takes on_output: the job's output as it comes

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    def preflight(self) -> None:
        return None

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "python": self.python}

    def cleanup(self, run_id: str | None = None, *, stale_only: bool = False) -> CleanupReport:
        """Nothing to sweep: a job's process group is killed and its temporary folder removed
        before ``run`` returns."""
        return CleanupReport()

    def run(self, job: SandboxJob, *, on_output: OutputSink | None = None) -> SandboxResult:
        limits = job.limits
        command = [self.python if c == "python" else c for c in job.command]
        mem = limits.memory_mb << 20
        wrapped = [sys.executable, "-I", "-S", "-c", _RLIMITS, str(mem * 4),  # AS overcounts
                   str(limits.file_size_mb << 20), *command]
        locked = _lock(job.workdir, job.readonly)
        with tempfile.TemporaryDirectory(prefix="aisci-local-") as tmp:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MPLBACKEND": "Agg",
                   "HOME": str(job.workdir), "MPLCONFIGDIR": str(_MPL_CACHE),
                   **tex_hardening_env(Path(tmp)), **filtered_env(job.env)}
            out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
            with out_path.open("wb") as out, err_path.open("wb") as err:
                start = time.monotonic()
                proc = subprocess.Popen(
                    wrapped, cwd=job.workdir, env=env, stdout=out, stderr=err,
                    stdin=subprocess.DEVNULL, process_group=0,
                )
                disk = DiskWatch(lambda: tree_usage(job.workdir), limit_bytes=limits.disk_mb << 20,
                                 limit_entries=limits.disk_files,
                                 on_exceed=lambda: _kill_group(proc))
                disk.start()
                verdict: Verdict | None = None
                told = {"stdout": 0, "stderr": 0}
                try:
                    while proc.poll() is None:
                        if on_output is not None:
                            _tell(on_output, told, out_path, err_path)
                        if time.monotonic() - start > limits.timeout_s:
                            verdict = "timeout"
                        elif (out_path.stat().st_size + err_path.stat().st_size
                              > limits.output_bytes):
                            verdict = "output_limit"
                        if verdict:
                            break
                        time.sleep(_POLL_S)
                finally:
                    _kill_group(proc)  # also what the job left running in its group
                    code = proc.wait()
                    disk.stop()
                duration = time.monotonic() - start
            stdout = out_path.read_bytes()[-200_000:]
            stderr = err_path.read_bytes()[-200_000:]
        _unlock(locked)
        swapped = job.workdir.is_symlink() or not job.workdir.is_dir()
        if swapped:  # a link where the folder was: host code must not follow it
            job.workdir.unlink(missing_ok=True)
            job.workdir.mkdir()
        disk_note = disk.exceeded or ("" if swapped else disk.check())
        report = sanitize_tree(job.workdir, ResultCaps.from_limits(limits))

        if verdict is not None:
            detail = f"stopped after {limits.timeout_s:g} s" if verdict == "timeout" else (
                f"output exceeded {limits.output_bytes} bytes")
        elif disk_note:
            verdict, detail = "disk_limit", disk_note
        elif swapped:
            verdict, detail = "error", "the job replaced its own folder; it was emptied"
        elif code == 0:
            missing = [f for f in job.expected_files if not (job.workdir / f).is_file()]
            verdict = "results_limit" if report.limit else (
                "missing_results" if missing else "ok")
            detail = f"missing: {', '.join(missing)}" if missing and not report.limit else ""
        elif b"MemoryError" in stderr:  # the RLIMIT_AS cap: Python raises, nothing is killed
            verdict, detail = "oom", "ran out of its memory limit"
        else:  # a SIGKILL from outside cannot be told apart from a self-kill here: an error
            verdict = "error"
            detail = f"killed by signal {-code}" if code < 0 else ""
        if note := report.note():
            detail = f"{detail}; {note}" if detail else note
        return SandboxResult(
            verdict=verdict, exit_code=code, duration_s=round(duration, 3),
            stdout_tail=tail_text(stdout), stderr_tail=tail_text(stderr), backend=self.name,
            detail=detail,
        )


def _lock(workdir: Path, readonly: list[str]) -> list[Path]:
    """Clear the write bits of ``readonly`` paths (files and folders under them)."""
    root = workdir.resolve()
    locked: list[Path] = []
    for rel in readonly:
        top = (workdir / rel).resolve()
        if not top.is_relative_to(root) or not top.exists():
            continue
        for path in [top, *(top.rglob("*") if top.is_dir() else [])]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
                locked.append(path)
    return locked


def _unlock(paths: list[Path]) -> None:
    """Owner write bits back (the host copies and removes job folders afterwards)."""
    for path in paths:
        with contextlib.suppress(OSError):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)


def _tell(on_output: OutputSink, told: dict[str, int], out_path: Path, err_path: Path) -> None:
    """What the job wrote since the last look, to a display (never more than 64 KB a look)."""
    for stream, path in (("stdout", out_path), ("stderr", err_path)):
        try:
            with path.open("rb") as f:
                f.seek(told[stream])
                data = f.read(65536)
        except OSError:
            continue
        told[stream] += len(data)
        if data:
            with contextlib.suppress(Exception):  # a display must never disturb the job
                on_output(stream, data.decode("utf-8", errors="replace"))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
