"""A real multi-node Ray cluster on this machine, for tests: a head and workers, each its own
``ray start --block`` in its own process group, so one node can be killed like a lost machine.

Every node gets its own ports and the cluster its own temp folder, so the cluster never meets
another Ray on the machine (nothing here calls ``ray stop``). Each node carries a custom
resource ``node_<name>`` and is told apart by it (``RaySandbox`` reports it in
``SandboxResult.node``).

    >>> with RayCluster(workers=("w1", "w2")) as cluster:
    ...     cluster.address          # '127.0.0.1:<port>'
    ...     cluster.kill_worker("w1")
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

RAY = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = 200 * 2**20
#: Asks the cluster for its alive nodes (run in a subprocess: pytest never holds a driver).
_ALIVE = """
import json, sys, ray
ray.init(address=sys.argv[1], log_to_driver=False, logging_level="ERROR")
print("NODES=" + json.dumps([{"id": n["NodeID"], "resources": n["Resources"]}
                  for n in ray.nodes() if n["Alive"]]), flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RayCluster:
    """A head (``node_head``, ``head_cpus`` CPUs) and one node per name in ``workers``."""

    def __init__(self, workers: tuple[str, ...] = ("w1", "w2"), *, head_cpus: int = 1,
                 worker_cpus: int = 1) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.temp_dir = Path(tempfile.mkdtemp(prefix="rayt-", dir="/tmp"))  # short: sockets
        self.tmp = self.temp_dir / "tmp"
        self.tmp.mkdir()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.head_cpus, self.worker_cpus, self.worker_names = head_cpus, worker_cpus, workers

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, timeout_s: float = 120) -> RayCluster:
        try:
            for name in ("head", *self.worker_names):  # one at a time: two at once time out
                self._start_node(name, self.head_cpus if name == "head" else self.worker_cpus,
                                 head=name == "head")
                self._wait_started(name, timeout_s)
            self.wait_for(1 + len(self.worker_names), timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_node(self, name: str, cpus: int, *, head: bool = False) -> None:
        ports = ["--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
                 "--runtime-env-agent-port", "--metrics-export-port", "--node-manager-port",
                 "--object-manager-port"]
        cmd = [str(RAY), "start", "--block", "--disable-usage-stats", "--node-ip-address",
               "127.0.0.1", f"--num-cpus={cpus}", f"--object-store-memory={OBJECT_STORE_BYTES}",
               f"--resources={json.dumps({f'node_{name}': 1})}", f"--temp-dir={self.temp_dir}"]
        for option in ports:
            cmd += [option, str(free_port())]
        if head:
            cmd += ["--head", f"--port={self.port}", "--include-dashboard=false"]
        else:
            cmd += [f"--address={self.address}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        env["RAY_BACKEND_LOG_LEVEL"] = "error"
        env["TMPDIR"] = str(self.tmp)  # what tasks leave in temp folders goes with the cluster
        log = (self.temp_dir / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)
        log.close()

    def _wait_started(self, name: str, timeout_s: float) -> None:
        """Until ``ray start`` of node ``name`` says its node runs (cheaper than asking)."""
        deadline = time.monotonic() + timeout_s
        while "Ray runtime started" not in self.log(name):
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"ray node {name} exited: {self.log(name)[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ray node {name} did not start in {timeout_s} s")
            time.sleep(0.2)

    def alive_nodes(self, timeout_s: float = 60) -> list[dict[str, object]]:
        """The alive nodes as the cluster sees them: ``{"id", "resources"}`` each."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5):
            pass  # ray.init would wait minutes for a head that is not there
        out = subprocess.run([sys.executable, "-c", _ALIVE, self.address], capture_output=True,
                             text=True, timeout=timeout_s, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"cannot reach the cluster at {self.address}: {out.stderr[-2000:]}")
        found = [line for line in out.stdout.splitlines() if line.startswith("NODES=")]
        if not found:
            raise RuntimeError(f"no answer from the cluster at {self.address}: {out.stdout!r}")
        nodes: list[dict[str, object]] = json.loads(found[-1].removeprefix("NODES="))
        return nodes

    def node_names(self) -> list[str]:
        """The names (``head``, ``w1``...) of the alive nodes."""
        names = []
        for node in self.alive_nodes():
            resources = node["resources"]
            assert isinstance(resources, dict)
            names += [k.removeprefix("node_") for k in resources
                      if k.startswith("node_") and k != "node_"]
        return sorted(names)

    def wait_for(self, count: int, timeout_s: float = 120) -> None:
        """Until ``count`` nodes are alive (and every started node process still runs)."""
        deadline = time.monotonic() + timeout_s
        while True:
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"ray node {dead[0]} exited: {self.log(dead[0])[-3000:]}")
            try:
                if len(self.alive_nodes(timeout_s=30)) >= count:
                    return
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster did not reach {count} nodes in {timeout_s} s")
            time.sleep(1)

    def log(self, name: str) -> str:
        path = self.temp_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def kill_worker(self, name: str) -> None:
        """SIGKILL the node like a lost machine: its process group (raylet, agents) and every
        descendant (Ray's task workers sit in process groups of their own)."""
        proc = self.procs[name]
        tree = _descendants(proc.pid)
        _signal_group(proc, signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self) -> None:
        """End every node started here (SIGTERM, then SIGKILL) and remove the temp folder."""
        trees = {pid for proc in self.procs.values() for pid in _descendants(proc.pid)}
        for name in reversed(list(self.procs)):  # workers first, the head last
            _signal_group(self.procs[name], signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGKILL)  # stragglers of the group, even if the leader left
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        for pid in trees:  # task workers that outlived their raylet
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> RayCluster:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _descendants(root: int) -> list[int]:
    """Every live descendant of ``root`` (from /proc), children before grandchildren."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(0), []):
            out.append(child)
            todo.append(child)
    return out


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)  # start_new_session: the group id is the leader's pid
