"""Preflight checks of a Ray cluster (``--executor ray``): does it answer, how many nodes are
alive with how many CPUs and GPUs, and does each node have Docker and the sandbox images?
Each failure says how to fix it.

    >>> [(c.name, c.ok) for c in check_cluster("127.0.0.1:6379")]
    [('ray cluster', True), ('ray node w1/3f2a9c1d', True), ('ray node head/81b0e2aa', True)]
"""

from __future__ import annotations

from typing import Any

from agents.preflight.model_check import Check
from sandbox import SandboxUnavailable

NAME = "ray cluster"


def check_cluster(address: str | None, *, paper: bool = True) -> list[Check]:
    """The cluster at ``address`` (None: RAY_ADDRESS, else ``auto``), then one check per node.

    ``paper``: the nodes also need the paper image (TeX runs in the sandbox).
    """
    from sandbox import RaySandbox, images, node_name, probe_node

    box = RaySandbox(address=address)
    try:
        nodes = box.alive_nodes()
    except SandboxUnavailable as exc:
        return [Check(name=NAME, ok=False, detail=str(exc),
                      fix="start the cluster with `ray start --head` (and `ray start "
                          "--address=<head>:6379` on each worker), or pass --ray-address.")]
    if not nodes:
        return [Check(name=NAME, ok=False, detail=f"no alive node at {box.address}",
                      fix="start a node with `ray start --address=<head>:6379`.")]
    cpus, gpus = _total(nodes, "CPU"), _total(nodes, "GPU")
    checks = [Check(name=NAME, ok=cpus > 0, detail=f"{len(nodes)} alive node(s) at "
                    f"{box.address}: {cpus:g} CPUs, {gpus:g} GPUs in all",
                    fix="" if cpus > 0 else "start a node with CPUs (`ray start --num-cpus=N "
                                            "--address=<head>:6379`).")]
    tags = [images.image_tag(), *([images.paper_image_tag()] if paper else [])]
    probes = box.on_each_node(probe_node, tags, timeout_s=60)
    resources = {node_name(n): n.get("Resources", {}) for n in nodes}
    for name, value in sorted(probes.items()):
        res = resources.get(name, {})
        size = f"{res.get('CPU', 0):g} CPUs, {res.get('GPU', 0):g} GPUs"
        checks.append(_node_check(name, value, size))
    return checks


def _node_check(name: str, value: Any, size: str) -> Check:
    label = f"ray node {name}"
    if isinstance(value, SandboxUnavailable):
        return Check(name=label, ok=False, detail=f"{size}; {value}",
                     fix=f"start Docker on node {name} (`bash scripts/setup_docker.sh` there).")
    if isinstance(value, Exception):
        return Check(name=label, ok=False, detail=f"{size}; the check task failed: {value}",
                     fix=f"see the Ray logs of node {name}; this package must be installed there "
                         "(`pip install -e .`).")
    if value:
        return Check(name=label, ok=False, detail=f"{size}; Docker answers; missing "
                     f"{', '.join(value)}", fix=f"run `aisci sandbox build` on node {name}.")
    return Check(name=label, ok=True, detail=f"{size}; Docker answers; images present")


def _total(nodes: list[dict[str, Any]], resource: str) -> float:
    return float(sum(n.get("Resources", {}).get(resource, 0) for n in nodes))
