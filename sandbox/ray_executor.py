"""Run jobs on the nodes of an existing Ray cluster, each in the node's hardened Docker sandbox.

``RaySandbox`` is a ``Sandbox`` whose ``run`` sends the job to the cluster as one Ray task
asking for the job's CPUs, memory and GPUs; Ray picks the node. The job folder travels in
the task's arguments as a tar of plain files and folders; on the node it is unpacked into a
fresh temp folder with the strict extraction of ``sandbox.copyback``, run by ``DockerSandbox``
(the same container, limits and copy-back as on one machine), and the folder it leaves comes
back the same way, replacing the job folder within the ``Limits.result_*`` caps. Nothing is
uploaded as a runtime environment: every node needs this package and Docker with the images
(``check_cluster`` in ``agents.preflight.cluster_check`` says which node lacks what).

A node lost while it runs a job (killed, crashed, disconnected) makes Ray run the task once
more on another node; lost again, or not finished within the job's timeout plus a margin, the
job ends with verdict ``error`` and the reason in ``detail``, never a hang. A missing image or
a Docker engine that is down on the node raises ``SandboxUnavailable`` here, as on one machine.
``SandboxResult.node`` names the node: its ``aisci.node`` label, else a custom resource
``node_<name>`` (``ray start --resources='{"node_gpu1": 1}'``), else its IP, plus its node id.

    >>> box = RaySandbox(address="10.0.0.5:6379")  # None: RAY_ADDRESS, else "auto"
    >>> box.preflight()
    >>> result = box.run(SandboxJob(workdir=folder, command=["python", "experiment.py"]))
    >>> result.node
    'w1/3f2a9c1d'
"""

from __future__ import annotations

import functools
import io
import logging
import os
import socket
import tarfile
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox import images
from sandbox.base import (
    CleanupReport,
    SandboxError,
    SandboxJob,
    SandboxResult,
    SandboxUnavailable,
)
from sandbox.container_setup import WATCHDOG_GRACE_S
from sandbox.copyback import ResultCaps, extract_archive, replace_from_archive
from sandbox.docker import DockerSandbox

log = logging.getLogger(__name__)

#: Time a job may take beyond its own timeout: moving the folder, starting the container,
#: waiting for a free node.
MARGIN_S = 300.0
#: How long a per-node task (cleanup, a check) may take.
NODE_TASK_TIMEOUT_S = 120.0
NODE_LABEL = "aisci.node"
#: The job folder sent to a node: generous, but a bound (it is held in memory).
INPUT_CAPS = ResultCaps(max_bytes=4 << 30, max_entries=200_000, max_depth=64)
_START_FIX = ("start one with `ray start --head` (workers: `ray start --address=<head>:6379`) "
              "or pass --ray-address host:port")


class RaySandbox:
    """Jobs as Ray tasks on a cluster's nodes; each node runs them in its Docker sandbox."""

    name = "docker"  # what runs the job: Docker, on whichever node Ray picked

    def __init__(self, address: str | None = None, *, image: str | None = None,
                 margin_s: float = MARGIN_S) -> None:
        self.address = address or os.environ.get("RAY_ADDRESS") or "auto"
        self.image = image or images.image_tag()
        self.margin_s = margin_s
        self._lock = threading.Lock()

    # --- protocol ---------------------------------------------------------------------------

    def preflight(self) -> None:
        if not self.alive_nodes():
            raise SandboxUnavailable(f"The Ray cluster at {self.address} has no alive node: "
                                     f"{_START_FIX}.")

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "image": self.image, "executor": "ray"}

    def run(self, job: SandboxJob) -> SandboxResult:
        ray = self.connect()
        limits = job.limits
        task = _remote(_run_on_node, max_retries=1, retry_exceptions=False).options(
            num_cpus=limits.cpus, num_gpus=limits.gpus, memory=limits.memory_mb * 2**20)
        ref = task.remote(job.model_dump_json(), pack(job.workdir), self.image)
        wait_s = limits.timeout_s + WATCHDOG_GRACE_S + self.margin_s
        try:
            result_json, archive, node = ray.get(ref, timeout=wait_s)
        except ray.exceptions.GetTimeoutError:
            ray.cancel(ref, force=True)
            return _lost(f"the cluster did not finish this job within {wait_s:.0f} s "
                         "(the task was cancelled)")
        except ray.exceptions.RayTaskError as exc:  # raised by the task itself: not retried
            cause = getattr(exc, "cause", None)
            if isinstance(cause, SandboxError):
                raise type(cause)(str(cause)) from None
            raise SandboxError(f"the Ray task of this job failed: {cause or exc}") from None
        except ray.exceptions.RayError as exc:  # node or worker lost, after the retry
            return _lost(f"the cluster node running this job was lost: {_first_line(exc)}")
        except BaseException:  # Ctrl-C: the task must not go on without us
            ray.cancel(ref, force=True)
            raise
        result = SandboxResult.model_validate_json(result_json)
        copy = replace_from_archive(job.workdir, [archive], ResultCaps.from_limits(limits))
        note = copy.note()
        update: dict[str, Any] = {"node": node}
        if note and note not in result.detail:  # the node applied the same caps: rare
            update["detail"] = f"{result.detail}; {note}" if result.detail else note
            if copy.limit and result.verdict == "ok":
                update["verdict"] = "results_limit"
        return result.model_copy(update=update)

    # --- the cluster ------------------------------------------------------------------------

    def connect(self) -> Any:
        """The ``ray`` module, connected to the cluster (never a new local one)."""
        import ray

        with self._lock:
            if ray.is_initialized():
                return ray
            _reachable(self.address)
            try:
                ray.init(address=self.address, ignore_reinit_error=True, log_to_driver=False,
                         logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise SandboxUnavailable(f"No Ray cluster at {self.address} ({_first_line(exc)}):"
                                         f" {_START_FIX}.") from exc
        return ray

    def alive_nodes(self) -> list[dict[str, Any]]:
        """The cluster's alive nodes as ``ray.nodes()`` gives them."""
        return [n for n in self.connect().nodes() if n.get("Alive")]

    def on_each_node(self, fn: Callable[..., Any], *args: Any,
                     timeout_s: float = NODE_TASK_TIMEOUT_S) -> dict[str, Any]:
        """``fn(*args)`` once on every alive node: node name to its value, or to the
        exception that stopped it there."""
        ray = self.connect()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        refs = {node_name(n): _remote(fn, max_retries=0).options(
                    num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(
                        n["NodeID"], soft=False)).remote(*args)
                for n in self.alive_nodes()}
        out: dict[str, Any] = {}
        for name, ref in refs.items():
            try:
                out[name] = ray.get(ref, timeout=timeout_s)
            except ray.exceptions.RayError as exc:
                if isinstance(exc, ray.exceptions.GetTimeoutError):
                    ray.cancel(ref, force=True)
                cause = getattr(exc, "cause", None)
                out[name] = cause if isinstance(cause, Exception) else SandboxError(
                    _first_line(exc))
        return out

    def cleanup(self, run_id: str | None = None, *, stale_only: bool = False) -> CleanupReport:
        """``DockerSandbox.cleanup`` on every alive node (a lost node keeps what it had)."""
        report = CleanupReport()
        for name, value in self.on_each_node(_cleanup_on_node, run_id, stale_only).items():
            if isinstance(value, Exception):
                log.warning("sandbox cleanup on Ray node %s failed: %s", name, value)
                continue
            report.containers += [c for c in value["containers"] if c not in report.containers]
            report.volumes += [v for v in value["volumes"] if v not in report.volumes]
        return report

    def ensure_images(self) -> dict[str, Any]:
        """Build the sandbox and paper images on every node that lacks them (offline build
        paths as ``aisci sandbox build``); node name to its tags, or to the error there."""
        return self.on_each_node(_ensure_images_on_node, timeout_s=3600)


# --- helpers of the driver ------------------------------------------------------------------

@functools.cache
def _remote(fn: Callable[..., Any], **options: Any) -> Any:
    """One Ray remote function per task kind (exported to the cluster once)."""
    import ray

    return ray.remote(**options)(fn)


def _reachable(address: str) -> None:
    """Fail in seconds when nothing listens at ``host:port`` (``ray.init`` waits minutes)."""
    host, sep, port = address.rpartition(":")
    if address == "auto" or "://" in address or not sep or not port.isdigit():
        return
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=5):
            pass
    except OSError as exc:
        raise SandboxUnavailable(f"No Ray cluster answers at {address} ({exc}): "
                                 f"{_START_FIX}.") from exc


def _lost(detail: str) -> SandboxResult:
    return SandboxResult(verdict="error", detail=detail, backend="docker")


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0][:240] if lines else ''}"


def node_name(node: dict[str, Any]) -> str:
    """A readable name of a ``ray.nodes()`` entry: label, ``node_<name>`` resource, or IP."""
    custom = sorted(k.removeprefix("node_") for k in node.get("Resources", {})
                    if k.startswith("node_") and k != "node_")
    name = (node.get("Labels") or {}).get(NODE_LABEL) or (custom[0] if custom else None) \
        or node.get("NodeManagerAddress") or "?"
    return f"{name}/{str(node.get('NodeID', ''))[:8]}"


def pack(folder: Path) -> bytes:
    """A tar of ``folder``'s regular files and folders (links and special files left out)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(str(folder), arcname=".",
                filter=lambda info: info if info.isreg() or info.isdir() else None)
    return buffer.getvalue()


# --- tasks (they run on the nodes) ----------------------------------------------------------

def this_node() -> str:
    """The name of the node this task runs on (see ``node_name``)."""
    import ray

    node_id = ray.get_runtime_context().get_node_id()
    if node_id not in _node_names():  # a node that joined after this worker asked
        _node_names.cache_clear()
    return _node_names().get(node_id) or f"{socket.gethostname()}/{node_id[:8]}"


@functools.cache
def _node_names() -> dict[str, str]:
    import ray

    nodes: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
    return {n["NodeID"]: node_name(n) for n in nodes}


def _run_on_node(job_json: str, archive: bytes, image: str) -> tuple[str, bytes, str]:
    """Unpack the job folder, run the job in this node's Docker, pack what it left."""
    job = SandboxJob.model_validate_json(job_json)
    node = this_node()
    with tempfile.TemporaryDirectory(prefix="aisci-ray-") as tmp:
        workdir = Path(tmp) / "job"
        workdir.mkdir()
        copy = extract_archive(io.BytesIO(archive), workdir, INPUT_CAPS)
        if copy.limit:
            raise SandboxError(f"the job folder did not fit on node {node}: {copy.limit}")
        try:
            result = DockerSandbox(image=image).run(job.model_copy(update={"workdir": workdir}))
        except SandboxUnavailable as exc:
            raise SandboxUnavailable(f"on Ray node {node}: {exc}") from None
        return result.model_dump_json(), pack(workdir), node


def _cleanup_on_node(run_id: str | None, stale_only: bool) -> dict[str, list[str]]:
    report = DockerSandbox(image="unused").cleanup(run_id, stale_only=stale_only)
    return {"containers": report.containers, "volumes": report.volumes}


def probe_node(tags: list[str]) -> list[str]:
    """Which of ``tags`` this node's Docker lacks (``SandboxUnavailable`` if Docker is down)."""
    client = images.docker_client(timeout=15)
    try:
        return [tag for tag in tags if not images.image_exists(client, tag)]
    finally:
        client.close()


def _ensure_images_on_node() -> list[str]:
    def quiet(_line: str) -> None:
        pass

    return [images.ensure_image(log=quiet), images.ensure_paper_image(log=quiet)]
