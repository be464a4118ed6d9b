"""The sandbox interface: what every backend (local subprocess, Docker, later remote) offers.

A job is a host folder (``workdir``) plus a command. The backend makes the folder's contents
visible to the command as its working directory, runs it under ``limits``, and when ``run``
returns the folder holds what the command left there. Outcomes that are part of science
(a crash, a timeout, an OOM kill) come back as a ``SandboxResult`` verdict; only faults of the
infrastructure itself (Docker unreachable, image missing) raise ``SandboxError``.

Verdicts: ``ok``; ``timeout``; ``oom``; ``output_limit`` (stdout+stderr past the budget);
``error`` (non-zero exit); ``missing_results`` (an expected file is absent); ``disk_limit``
(the job folder grew past ``Limits.disk_mb`` or ``Limits.disk_files`` while it ran: the job
was killed); ``results_limit`` (the job succeeded but its files broke a copy-back cap,
``Limits.result_*``: the files within the caps were kept, the rest dropped, see
``sandbox.copyback``); ``grader_changed`` (set by the caller, never by a backend: the job's
protected grader files or functions were not the template's before or after it ran, so its
numbers are not used). Whatever the verdict, what the copy-back dropped is in ``detail``.

``SandboxJob.readonly`` names files and folders of the job folder the command must not change
(a template's grader and held-out data). Docker (and Ray, whose nodes run Docker) gives them
to the root user with no write bit, in a sticky folder, so the job can neither write, delete
nor rename them; the local backend can only clear their write bits (the job runs as you and
can set them again), so callers must verify them after the job in any case.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["ok", "timeout", "oom", "output_limit", "error", "missing_results",
                  "disk_limit", "results_limit", "grader_changed"]

#: Environment variables a job may receive. Nothing else from the host ever reaches it.
ALLOWED_ENV_KEYS = frozenset(
    {"PYTHONHASHSEED", "PYTHONUNBUFFERED", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "AISCI_SEED"}
)


class Limits(BaseModel):
    """Resource limits of one job. Templates set these in ``template.toml``."""

    model_config = ConfigDict(frozen=True)

    timeout_s: float = Field(default=600.0, gt=0)
    memory_mb: int = Field(default=2048, gt=0)
    cpus: float = Field(default=1.0, gt=0)
    gpus: int = Field(default=0, ge=0)
    pids: int = Field(default=256, gt=0)
    output_bytes: int = Field(default=10_000_000, gt=0, description="stdout+stderr budget")
    file_size_mb: int = Field(default=1024, gt=0, description="largest single file")
    disk_mb: int = Field(default=2048, gt=0, description="the job folder's size while it runs")
    disk_files: int = Field(default=1_000_000, gt=0,
                            description="files and folders in the job folder while it runs")
    result_mb: int = Field(default=4096, gt=0, description="total size of the result files")
    result_files: int = Field(default=100_000, gt=0, description="files and folders copied back")
    result_depth: int = Field(default=64, gt=0, description="folder nesting copied back")


class SandboxJob(BaseModel):
    """One command to run in a prepared folder."""

    model_config = ConfigDict(frozen=True)

    workdir: Path
    command: list[str]
    image: str | None = Field(
        default=None,
        description="container image for this job (Docker); None: the backend's default. "
                    "Never pulled: it must exist locally",
    )
    limits: Limits = Limits()
    env: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    expected_files: list[str] = Field(
        default_factory=list,
        description="paths relative to workdir that must exist after an ok run",
    )
    readonly: list[str] = Field(
        default_factory=list,
        description="paths relative to workdir (files or folders) the job must not change",
    )


class SandboxResult(BaseModel):
    """What happened to a job, as data."""

    verdict: Verdict
    exit_code: int | None = None
    duration_s: float = 0.0
    stdout_tail: str = ""
    stderr_tail: str = ""
    backend: str = ""
    image: str | None = None
    container: str | None = None
    node: str | None = None  # the cluster node that ran it (executors that spread jobs)
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def feedback(self) -> str:
        """A short text for the agent: the verdict and the end of stderr."""
        head = f"verdict: {self.verdict}"
        if self.exit_code is not None:
            head += f" (exit code {self.exit_code})"
        if self.detail:
            head += f"; {self.detail}"
        return head + ("\nstderr (tail):\n" + self.stderr_tail if self.stderr_tail else "")


#: Hears a running job's output as it comes: (stream, text). A backend that can (its
#: ``streams_output`` is True) takes it as ``run(job, on_output=...)``; it is for display
#: only, may be called from any thread, and must not raise.
OutputSink = Callable[[str, str], None]


class SandboxError(RuntimeError):
    """The sandbox infrastructure failed (not the experiment)."""


class SandboxUnavailable(SandboxError):
    """The backend cannot run jobs at all (engine down, image missing)."""


class CleanupReport(BaseModel):
    """What a label sweep removed."""

    containers: list[str] = []
    volumes: list[str] = []


@runtime_checkable
class Sandbox(Protocol):
    """A backend that runs jobs."""

    name: str

    def preflight(self) -> None:
        """Raise ``SandboxUnavailable`` with a one-line fix if jobs cannot run."""

    def run(self, job: SandboxJob) -> SandboxResult:
        """Run ``job`` to completion and return its verdict."""

    def describe(self) -> dict[str, str]:
        """What identifies this backend's environment (for cache keys and events)."""

    def cleanup(self, run_id: str | None = None, *, stale_only: bool = False) -> CleanupReport:
        """Remove what jobs left behind: ``run_id``'s, or (``stale_only``) only what crashed
        aisci processes left. Never a live run's."""


def tail_text(data: bytes, limit: int = 4000) -> str:
    """Head and tail of a byte stream as text, for logs and for the agent."""
    text = data.decode("utf-8", errors="replace")
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + f"\n[... {len(text) - limit} characters cut ...]\n" + text[-half:]


def filtered_env(env: dict[str, str]) -> dict[str, str]:
    """Keep only allow-listed variables; never the host environment."""
    return {k: v for k, v in env.items() if k in ALLOWED_ENV_KEYS}
