"""A job's Docker container before it runs: the ``containers.create`` arguments (the hardening
profile of SANDBOX.md), its unique name and its labels, and the job folder copied into its
volume (owned by the sandbox user; read-only paths owned by root). ``sandbox.docker`` runs it.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import socket
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docker.models.containers import Container
from docker.types import DeviceRequest, LogConfig, Ulimit

from sandbox.base import SandboxJob, filtered_env

SANDBOX_USER = "65534:65534"
JOB_DIR = "/job"  # deliberately not a path that exists on typical hosts
#: A job with read-only paths runs one level down, in a folder the archive makes root's with
#: the sticky bit (the volume's own root keeps the image's owner, whatever an archive says).
LOCKED_DIR = "work"
OWNER_LABEL = "owner"
OWNER = "aisci"
#: Values every job gets; a job's own env cannot override them.
FIXED_ENV = {"HOME": "/tmp", "MPLCONFIGDIR": "/tmp", "MPLBACKEND": "Agg",
             "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
#: The in-container watchdog fires this long after the host's deadline. It only matters when
#: the host process died (SIGKILL, power loss): the job then still ends by itself.
WATCHDOG_GRACE_S = 2.0


def container_config(job: SandboxJob, image: str, name: str, labels: dict[str, str], *,
                     tmp_mb: int = 256, gpus: bool = False) -> dict[str, Any]:
    """The ``containers.create`` arguments: the hardening profile of SANDBOX.md."""
    limits = job.limits
    threads = str(max(1, math.ceil(limits.cpus)))
    env = {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
           **filtered_env(job.env), **FIXED_ENV}
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"]
    file_size = limits.file_size_mb * 1024 * 1024
    watchdog = f"{limits.timeout_s + WATCHDOG_GRACE_S:.0f}"
    config: dict[str, Any] = dict(
        image=image, name=name, labels=labels, hostname="sandbox",
        command=["timeout", "-s", "KILL", watchdog, *job.command],
        working_dir=job_dir(job), environment=env, user=SANDBOX_USER,
        volumes={name: {"bind": JOB_DIR, "mode": "rw"}},
        network_mode="none", cap_drop=["ALL"], security_opt=["no-new-privileges:true"],
        read_only=True, tmpfs={"/tmp": f"rw,noexec,nosuid,nodev,size={tmp_mb}m"},
        ipc_mode="private", init=True, oom_score_adj=500,
        pids_limit=limits.pids,
        mem_limit=f"{limits.memory_mb}m", memswap_limit=f"{limits.memory_mb}m",
        nano_cpus=int(limits.cpus * 1e9),
        shm_size=f"{max(64, min(limits.memory_mb // 4, 1024))}m",
        ulimits=[Ulimit(name="nofile", soft=4096, hard=4096),
                 Ulimit(name="fsize", soft=file_size, hard=file_size)],
        log_config=LogConfig(type="json-file", config={
            "max-size": f"{2 * limits.output_bytes // 2**20 + 1}m", "max-file": "1"}),
        stdin_open=False, tty=False,
    )
    if gpus:
        config["device_requests"] = [DeviceRequest(count=limits.gpus, capabilities=[["gpu"]])]
    return config


def container_name(job: SandboxJob) -> str:
    """Unique per job: concurrent jobs and two aisci processes never collide."""
    parts = ["aisci", _slug(job.labels.get("run_id", ""))[:32],
             _slug(job.labels.get("idea", ""))[:24], secrets.token_hex(4)]
    return "-".join(p for p in parts if p)


def job_labels(job: SandboxJob) -> dict[str, str]:
    labels = {f"aisci.{_slug(k)}": v[:200] for k, v in job.labels.items()}
    labels.update({OWNER_LABEL: OWNER, "aisci.pid": str(os.getpid()),
                   "aisci.host": socket.gethostname()})
    return labels


def label_filter(run_id: str | None) -> list[str]:
    return [f"{OWNER_LABEL}={OWNER}"] + ([f"aisci.run_id={run_id}"] if run_id else [])


def _slug(text: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_.-]+", "-", text).strip("-.")


def job_dir(job: SandboxJob) -> str:
    """Where the job's folder is in the container (its working directory)."""
    return f"{JOB_DIR}/{LOCKED_DIR}" if job.readonly else JOB_DIR


def put_workdir(container: Container, workdir: Path, readonly: Sequence[str] = ()) -> None:
    """Copy the job folder in, owned by the sandbox user (so the job can write its folder).

    With ``readonly`` paths the folder goes in as ``/job/work``, owned by root with the sticky
    bit (like /tmp), and those paths (and what is under them) owned by root without write
    bits: the job still creates and changes its own files there, but cannot write, delete or
    rename root's (the container has no capability that overrides file permissions).
    """
    uid, gid = (int(x) for x in SANDBOX_USER.split(":"))
    locked = {Path(p).as_posix().strip("/") for p in readonly if p}
    top = LOCKED_DIR if locked else "."

    def is_locked(name: str) -> bool:
        rel = name.removeprefix(top).strip("/")
        return any(rel == p or rel.startswith(p + "/") for p in locked)

    def own(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
        if locked and info.name == top:
            info.uid = info.gid = 0
            info.mode = 0o1777
        elif locked and is_locked(info.name):
            info.uid = info.gid = 0
            info.mode = 0o555 if info.isdir() else 0o444
        return info

    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as buffer:
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            tar.add(str(workdir), arcname=top, filter=own)
        buffer.seek(0)
        container.put_archive(JOB_DIR, buffer)
