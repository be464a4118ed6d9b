"""Sandbox jobs of a run: bounded in number, cached by content, recorded as events.

Every job (an experiment seed, a plot, a paper compile) is a folder copied from somewhere in
the run plus a command. ``JobRunner.run`` runs it in the sandbox at most ``parallel`` at a
time, on a worker thread (Docker calls block), and caches the result by a hash of everything
that determines it: every file of the job folder, the command, the limits and the sandbox's
environment (backend, image). A cached job costs nothing on a second run or a resume.

    >>> outcome = await runner.run(folder, ["python", "plot.py"], limits, labels={"idea": "x"})
    >>> outcome.result.verdict, outcome.cached
    ('ok', False)
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from agents.domain import EventBase, JobStart, SandboxRun
from agents.run import atomic_write_text, copy_tree, regular_files
from sandbox import Limits, Sandbox, SandboxJob, SandboxResult

EventSink = Callable[[EventBase], None]
#: Hears running jobs' output, for display: (the job's labels and name, stream, text).
JobOutputSink = Callable[[dict[str, str], str, str], None]


class JobOutcome(NamedTuple):
    result: SandboxResult
    cached: bool


def folder_digest(folder: Path) -> str:
    """A hash of every regular file of ``folder`` (names and contents), in a stable order."""
    h = hashlib.sha256()
    for path in regular_files(folder):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _readonly_digest(workdir: Path, paths: list[str]) -> dict[str, str]:
    out = {}
    for rel in paths:
        path = workdir / rel
        if path.is_symlink() or not path.exists():
            out[rel] = "missing"
        elif path.is_dir():
            out[rel] = folder_digest(path) + str(sorted(p.name for p in path.rglob("*")))
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


class JobRunner:
    """Runs a run's sandbox jobs: a concurrency gate, a content cache, one event per job."""

    def __init__(self, sandbox: Sandbox, cache_dir: Path, *, parallel: int, run_id: str,
                 event: EventSink, image: str | None = None,
                 output: JobOutputSink | None = None) -> None:
        self.sandbox = sandbox
        #: The image of ``run`` jobs (a template's derived image); None: the sandbox's own.
        self.image = image
        self.output = output
        self.cache_dir = cache_dir
        self.run_id = run_id
        self.event = event
        self.parallel = parallel
        self._gate = asyncio.Semaphore(parallel)
        self._key_locks: dict[str, asyncio.Lock] = {}

    def key(self, job: SandboxJob) -> str:
        h = hashlib.sha256(folder_digest(job.workdir).encode())
        extra = [job.readonly] if job.readonly else []  # older keys stay valid
        h.update(json.dumps([job.command, job.limits.model_dump(), job.image,
                             self.sandbox.describe(), *extra], sort_keys=True).encode())
        return h.hexdigest()[:24]

    async def run(self, workdir: Path, command: list[str], limits: Limits, *,
                  labels: dict[str, str], outputs: str | None = None,
                  expected_files: tuple[str, ...] = (), env: dict[str, str] | None = None,
                  what: str = "", readonly: tuple[str, ...] = ()) -> JobOutcome:
        """Run ``command`` in ``workdir`` (its contents are the job's folder).

        ``outputs``: the sub-folder whose contents are cached and restored (None: the whole
        job folder as it is after the job). ``what`` names the job in the event.
        ``readonly``: paths the job must leave as they were; a job that changed one (possible
        only where the backend cannot enforce it) gets the verdict ``grader_changed``.
        """
        job = SandboxJob(workdir=workdir, command=command, limits=limits, image=self.image,
                         env={"PYTHONHASHSEED": "0", **(env or {})}, labels=labels,
                         expected_files=list(expected_files), readonly=list(readonly))
        return await self.run_job(job, outputs=outputs, what=what)

    async def run_job(self, job: SandboxJob, *, outputs: str | None = None,
                      what: str = "") -> JobOutcome:
        """Run a prepared job (its image, limits and command as given), cached like any."""
        labels = {**job.labels, "run_id": self.run_id}
        job = job.model_copy(update={"labels": labels})
        workdir = job.workdir
        key = self.key(job)
        lock = self._key_locks.setdefault(key, asyncio.Lock())
        async with lock:  # two tasks asking for the same job run it once
            entry = self.cache_dir / key
            if (entry / "result.json").is_file():
                result = SandboxResult.model_validate_json((entry / "result.json").read_text())
                if (entry / "out").is_dir():
                    target = workdir / outputs if outputs else workdir
                    copy_tree(entry / "out", target, dirs_exist_ok=True)
                self._record(labels, what, result, cached=True)
                return JobOutcome(result, True)
            before = _readonly_digest(workdir, job.readonly)
            async with self._gate:
                self.event(JobStart(idea=labels.get("idea"), run=what))
                result = await asyncio.to_thread(self._runner(labels, what), job)
            if job.readonly and _readonly_digest(workdir, job.readonly) != before:
                changed = [p for p, d in _readonly_digest(workdir, job.readonly).items()
                           if d != before.get(p)]
                result = result.model_copy(update={
                    "verdict": "grader_changed",
                    "detail": f"the job changed read-only files: {', '.join(changed)}"})
            if result.verdict == "error" and result.exit_code is None:
                # the job never ran to an exit (a lost cluster node): not a result to keep
                self._record(labels, what, result, cached=False)
                return JobOutcome(result, False)
            produced = workdir / outputs if outputs else workdir
            partial = self.cache_dir / f".{key}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            if produced.is_dir():
                copy_tree(produced, partial / "out")
            partial.mkdir(parents=True, exist_ok=True)
            atomic_write_text(partial / "result.json", result.model_dump_json(indent=1))
            shutil.rmtree(entry, ignore_errors=True)
            partial.rename(entry)
            self._record(labels, what, result, cached=False)
            return JobOutcome(result, False)

    def _runner(self, labels: dict[str, str], what: str) -> Callable[[SandboxJob], SandboxResult]:
        """``sandbox.run``, with the job's output streamed to ``output`` where the backend can."""
        sink = self.output
        if sink is None or not getattr(self.sandbox, "streams_output", False):
            return self.sandbox.run
        tagged = {**labels, "what": what}
        return functools.partial(self.sandbox.run,  # type: ignore[call-arg]
                                 on_output=lambda stream, text: sink(tagged, stream, text))

    def _record(self, labels: dict[str, str], what: str, result: SandboxResult,
                cached: bool) -> None:
        self.event(SandboxRun(
            idea=labels.get("idea"), run=what, verdict=result.verdict,
            exit_code=result.exit_code, cached=cached, backend=result.backend,
            image=result.image, container=result.container, duration_s=result.duration_s,
            node=result.node or None))
