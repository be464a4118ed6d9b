"""Run jobs in hardened, throw-away Docker containers (the default backend).

Each job gets its own container and named volume. The job folder is copied into the volume
before the container starts and copied back after it exits, as plain files and folders within
the ``Limits.result_*`` caps (``sandbox.copyback``); no host path is ever mounted. The
container has no network, no capabilities, a read-only root, a non-root user and cgroup limits
on memory, CPU and processes (see ``sandbox.container_setup`` and SANDBOX.md). The volume
has no size limit of its own: the host measures it while the job runs and kills the job past
``Limits.disk_mb`` (verdict ``disk_limit``, see ``sandbox.disk``).

A job may name its own image (``SandboxJob.image``, e.g. the paper image of ``sandbox.tex``);
it must exist locally and is never pulled. ``describe()`` names the default image; a job's
``SandboxResult.image`` names the image it actually ran in.

    >>> from sandbox.base import SandboxJob
    >>> from sandbox.docker import DockerSandbox
    >>> box = DockerSandbox()
    >>> box.preflight()
    >>> result = box.run(SandboxJob(workdir=folder, command=["python", "experiment.py"]))
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import requests
from docker.errors import APIError, DockerException, ImageNotFound, NotFound
from docker.models.containers import Container

from sandbox import images
from sandbox.base import (
    CleanupReport,
    Limits,
    OutputSink,
    SandboxError,
    SandboxJob,
    SandboxResult,
    SandboxUnavailable,
    Verdict,
    tail_text,
)
from sandbox.container_setup import (
    container_config,
    container_name,
    job_dir,
    job_labels,
    label_filter,
    put_workdir,
)
from sandbox.copyback import CopyReport, ResultCaps, replace_from_archive
from sandbox.disk import DiskWatch, Usage, tree_usage
from sandbox.output import OutputMonitor

log = logging.getLogger(__name__)


class DockerSandbox:
    """Docker backend. Jobs are contained; the engine itself is trusted."""

    name = "docker"
    streams_output = True  # run() takes on_output: the job's output as it comes

    def __init__(self, image: str | None = None, *, tmp_mb: int = 256,
                 client: docker.DockerClient | None = None) -> None:
        self.image = image or images.image_tag()
        self.tmp_mb = tmp_mb
        self._client = client
        self._gpus: bool | None = None

    # --- protocol ---------------------------------------------------------------------------

    def preflight(self) -> None:
        self._require_image(self.image)

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "image": self.image}

    def run(self, job: SandboxJob, *, on_output: OutputSink | None = None) -> SandboxResult:
        client = self.client()
        image = job.image or self.image
        self._require_image(image)  # containers.create would not pull, but fail less clearly
        name = container_name(job)  # the container and its volume share it
        labels = job_labels(job)
        try:
            client.volumes.create(name=name, labels=labels)
            try:
                container = client.containers.create(
                    **container_config(job, image, name, labels, tmp_mb=self.tmp_mb,
                                       gpus=self._gpus_available(job)))
            except ImageNotFound as exc:
                raise SandboxUnavailable(_missing(image)) from exc
            put_workdir(container, job.workdir, job.readonly)
            return self._execute(container, job, image, on_output)
        except (DockerException, requests.exceptions.RequestException, tarfile.TarError,
                OSError) as exc:  # OSError: the host side of the copy (a full disk)
            raise SandboxError(f"Docker failed while running {name}: {exc}") from exc
        finally:
            # By name, not by handle: Ctrl-C can land after the engine created something
            # but before the call returned it.
            _remove(client, name)

    # --- engine helpers ---------------------------------------------------------------------

    def client(self) -> docker.DockerClient:
        """The engine client; ``SandboxUnavailable`` with the fix when it is unreachable."""
        if self._client is None:
            self._client = images.docker_client()
        return self._client

    def cleanup(self, run_id: str | None = None, *, stale_only: bool = False) -> CleanupReport:
        """Remove containers and volumes labelled ``owner=aisci`` (only ``run_id``'s if given).

        ``stale_only`` spares containers whose aisci process is alive (or on another host),
        so a sweep at the start of one run never kills another run's jobs.
        """
        client = self.client()
        filters = {"label": label_filter(run_id)}
        report = CleanupReport()
        for container in client.containers.list(all=True, filters=filters):
            if stale_only and not _is_stale(container):
                continue
            with contextlib.suppress(NotFound):
                container.remove(force=True)
                report.containers.append(container.name)
        in_use = {m.get("Name") for c in client.containers.list(all=True, filters=filters)
                  for m in c.attrs.get("Mounts", [])}
        for volume in client.volumes.list(filters=filters):
            if volume.name in in_use or (stale_only and _owner_alive(volume.attrs["Labels"])):
                continue
            with contextlib.suppress(NotFound, APIError):
                volume.remove(force=True)
                report.volumes.append(volume.name)
        return report

    def leftovers(self, run_id: str, *, running_only: bool = False,
                  volumes: bool = False) -> list[str]:
        """Names of containers of ``run_id`` that still exist (any state, or running).

        ``volumes`` adds the run's volumes (as ``volume:<name>``).
        """
        filters: dict[str, Any] = {"label": label_filter(run_id)}
        names = [c.name for c in self.client().containers.list(
            all=True, filters={**filters, "status": "running"} if running_only else filters)]
        if volumes:
            names += [f"volume:{v.name}" for v in self.client().volumes.list(filters=filters)]
        return names

    def _require_image(self, image: str) -> None:
        if not images.image_exists(self.client(), image):
            raise SandboxUnavailable(_missing(image))

    def _gpus_available(self, job: SandboxJob) -> bool:
        if job.limits.gpus == 0:
            return False
        if self._gpus is None:
            runtimes = self.client().info().get("Runtimes") or {}
            self._gpus = "nvidia" in runtimes or shutil.which("nvidia-container-cli") is not None
            if not self._gpus:
                log.warning("limits ask for %d GPU(s) but Docker has no NVIDIA runtime; "
                            "running on CPU", job.limits.gpus)
        return self._gpus

    # --- one job ----------------------------------------------------------------------------

    def _execute(self, container: Container, job: SandboxJob, image: str,
                 on_output: OutputSink | None = None) -> SandboxResult:
        limits = job.limits
        monitor = OutputMonitor(container, limits.output_bytes, kill=_kill, on_output=on_output)
        disk = DiskWatch(_volume_usage(self.client(), container.name, limits),
                         limit_bytes=limits.disk_mb << 20,
                         limit_entries=limits.disk_files,
                         on_exceed=lambda: _kill(container))
        container.start()
        start = time.monotonic()
        monitor.start()
        disk.start()
        try:
            exit_code, timed_out = _wait(container, start + limits.timeout_s, self.client())
        finally:
            disk.stop()
        duration = time.monotonic() - start
        monitor.join()
        disk_note = disk.exceeded or disk.check()  # once more, now that nothing writes
        container.reload()
        oom_killed = bool(container.attrs["State"].get("OOMKilled"))
        stream, _ = container.get_archive(job_dir(job) + "/.")
        copy = replace_from_archive(job.workdir, stream, ResultCaps.from_limits(limits))

        verdict, detail = _judge(job, exit_code, duration, copy, output=monitor.exceeded,
                                 disk=disk_note, timed_out=timed_out, oom=oom_killed)
        return SandboxResult(
            verdict=verdict, exit_code=exit_code, duration_s=round(duration, 3),
            stdout_tail=tail_text(monitor.text("stdout")),
            stderr_tail=tail_text(monitor.text("stderr")),
            backend=self.name, image=image, container=container.name, detail=detail,
        )


def _judge(job: SandboxJob, exit_code: int, duration: float, copy: CopyReport, *,
           output: bool, disk: str, timed_out: bool, oom: bool) -> tuple[Verdict, str]:
    """The verdict and its detail; what the copy-back dropped is always added to the detail."""
    limits = job.limits
    detail = ""
    verdict: Verdict
    if output:
        verdict, detail = "output_limit", f"output exceeded {limits.output_bytes} bytes"
    elif disk:
        verdict, detail = "disk_limit", disk
    elif timed_out or (exit_code in (124, 137) and duration >= limits.timeout_s):
        verdict, detail = "timeout", f"stopped after {limits.timeout_s:g} s"
    elif oom and exit_code != 0:
        verdict, detail = "oom", f"killed for memory (limit {limits.memory_mb} MB)"
    elif exit_code != 0:
        verdict = "error"
        if exit_code > 128:
            detail = f"killed by signal {exit_code - 128}"
    elif copy.limit:
        verdict = "results_limit"
    else:
        missing = [f for f in job.expected_files if not (job.workdir / f).is_file()]
        verdict = "missing_results" if missing else "ok"
        detail = f"missing: {', '.join(missing)}" if missing else ""
    note = copy.note()
    if note:
        detail = f"{detail}; {note}" if detail else note
    return verdict, detail


def _missing(image: str) -> str:
    return f"Sandbox image {image} is missing. Run `aisci sandbox build`."


def _volume_usage(client: docker.DockerClient, name: str, limits: Limits) -> Callable[[], Usage]:
    """How the host measures a job's volume: a walk of its directory, else the engine's df."""
    stop = Usage((limits.disk_mb << 20) + 1, limits.disk_files + 1)
    mountpoint = Path(client.volumes.get(name).attrs.get("Mountpoint") or "/nonexistent")

    def engine_df() -> Usage:  # `docker system df`: slow (every volume), but needs no root
        for volume in client.df().get("Volumes") or []:
            if volume.get("Name") == name:
                return Usage(max(0, (volume.get("UsageData") or {}).get("Size", 0)), 0)
        return Usage(0, 0)

    def measure() -> Usage:
        if not os.access(mountpoint, os.R_OK | os.X_OK):  # a host user without root
            return engine_df()
        usage = tree_usage(mountpoint, stop_above=stop)
        return usage if not usage.hidden else max(usage, engine_df())

    return measure


# --- lifecycle ------------------------------------------------------------------------------

def _wait(container: Container, deadline: float, client: docker.DockerClient) -> tuple[int, bool]:
    """Exit code, and whether the host's deadline killed the job."""
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            # Only an HTTP timeout: docker 7.2 raises ConnectionError (not ReadTimeout) for it.
            return int(container.wait(timeout=max(remaining, 0.1))["StatusCode"]), False
        except requests.exceptions.RequestException:
            if deadline - time.monotonic() > 0.5:
                client.ping()  # an early error means the engine, not the job: raise from here
                time.sleep(0.2)
    _kill(container)
    return int(container.wait(timeout=60)["StatusCode"]), True


def _kill(container: Container) -> None:
    with contextlib.suppress(NotFound, APIError):  # already gone or already exited
        container.kill()


def _remove(client: docker.DockerClient, name: str) -> None:
    """Remove the job's container and volume, even when Ctrl-C arrives meanwhile."""
    interrupted = False
    pending = ["container", "volume"]
    for _ in range(3):
        try:
            while pending:
                with contextlib.suppress(NotFound):
                    if pending[0] == "container":
                        client.api.remove_container(name, force=True)
                    else:
                        client.api.remove_volume(name, force=True)
                pending.pop(0)
            break
        except KeyboardInterrupt:
            interrupted = True
        except (DockerException, requests.exceptions.RequestException) as exc:
            log.warning("could not remove %s %s (%s); `aisci sandbox cleanup` will",
                        pending[0], name, exc)
            break
    if interrupted:
        raise KeyboardInterrupt


def _is_stale(container: Container) -> bool:
    """A container nobody will come back for: its aisci process is gone.

    An exited container of a live process is not stale: its results are being copied back.
    """
    return not _owner_alive(container.labels)


def _owner_alive(labels: dict[str, str] | None) -> bool:
    """Whether the aisci process that labelled this may still use it (unknown counts as yes)."""
    labels = labels or {}
    if labels.get("aisci.host") != socket.gethostname():
        return True
    try:
        os.kill(int(labels.get("aisci.pid", "")), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True
