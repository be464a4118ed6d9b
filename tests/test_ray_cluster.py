"""Sandbox jobs on a real 3-node Ray cluster (``--executor ray``), surviving the loss of a node.

The main test starts a head and two workers on this machine (``tests.ray_cluster``), runs an
offline ``aisci run`` with four ideas across them, and SIGKILLs a worker while it runs one of
the run's jobs. Ray runs that job again on another node; the run must still finish with every
idea accounted for, its jobs spread over several nodes, and no container of the run left on
the Docker engine. A smaller test loses the node of one job twice: the job must end with
verdict ``error`` (never a hang). The fast tests need neither Docker nor a cluster.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.base import Limits, SandboxJob, SandboxResult, SandboxUnavailable
from tests.ray_cluster import RayCluster, _descendants, free_port
from tests.support import IN_CI, REPO, aisci, load, only_run

TOPIC = "momentum in small networks"
RUN_TIMEOUT_S = 400


def _docker_ready() -> str | None:
    try:
        from sandbox.docker import DockerSandbox

        DockerSandbox().preflight()
    except SandboxUnavailable as exc:
        return str(exc)
    return None


@pytest.fixture
def docker_ready() -> None:
    reason = _docker_ready()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run the Docker tests: {reason}")
        pytest.skip(reason)


def running_on(cluster: RayCluster, run_id: str, workers: tuple[str, ...]) -> list[str]:
    """The workers whose Ray processes run a container of ``run_id`` right now."""
    out = subprocess.run(
        ["docker", "ps", "--filter", f"label=aisci.run_id={run_id}", "--format",
         '{{.Label "aisci.pid"}}'], capture_output=True, text=True, check=False).stdout
    pids = {int(p) for p in out.split() if p.isdigit()}
    return [w for w in workers if pids & set(_descendants(cluster.procs[w].pid))]


def read_events(run: Path) -> list[dict[str, Any]]:
    path = run / "events.jsonl"
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip().endswith("}")]


# --- fast: no Docker, no cluster ----------------------------------------------------------------

def test_pack_keeps_plain_files_and_folders_only(tmp_path: Path) -> None:
    import io

    from sandbox.copyback import ResultCaps, extract_archive
    from sandbox.ray_executor import pack

    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "sub" / "a.txt").write_text("a")
    (tmp_path / "src" / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "src" / "run.sh").chmod(0o755)
    (tmp_path / "src" / "link").symlink_to("/etc/passwd")
    dest = tmp_path / "dest"
    dest.mkdir()
    report = extract_archive(io.BytesIO(pack(tmp_path / "src")), dest, ResultCaps())
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*")) == ["run.sh", "sub",
                                                                          "sub/a.txt"]
    assert (dest / "run.sh").stat().st_mode & 0o111 and not report.skipped


def test_unreachable_cluster_fails_fast_with_a_fix() -> None:
    from agents.preflight.cluster_check import check_cluster
    from sandbox.ray_executor import RaySandbox

    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    start = time.monotonic()
    with pytest.raises(SandboxUnavailable, match="ray start --head"):
        RaySandbox(address=address).preflight()
    [check] = check_cluster(address)
    assert not check.ok and check.blocking and "ray start --head" in check.fix
    assert time.monotonic() - start < 30


# --- a real cluster ---------------------------------------------------------------------------

@pytest.fixture
def cluster(docker_ready: None) -> Iterator[RayCluster]:
    with RayCluster(workers=("w1", "w2")) as c:
        yield c


@pytest.mark.docker
def test_a_job_whose_nodes_are_lost_ends_as_an_error(docker_ready: None) -> None:
    import ray

    from sandbox.docker import DockerSandbox
    from sandbox.ray_executor import RaySandbox

    run_id = f"raytest-{free_port()}"
    with RayCluster(workers=("w1", "w2"), head_cpus=0) as cluster:  # jobs go to w1 and w2
        box = RaySandbox(address=cluster.address, margin_s=60)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                (work / "in.txt").write_text("x")
                job = SandboxJob(workdir=work, labels={"run_id": run_id},
                                 expected_files=["out.txt"], command=[
                                     "sh", "-c", "cat in.txt in.txt > out.txt; ln -s /etc l"])
                result = box.run(job)
                assert result.verdict == "ok", result
                assert result.backend == "docker" and result.node and result.container
                assert sorted(p.name for p in work.iterdir()) == ["in.txt", "out.txt"]
                assert (work / "out.txt").read_text() == "xx"

                slow = job.model_copy(update={"command": ["sleep", "60"], "expected_files": [],
                                              "limits": Limits(timeout_s=90)})
                done: list[SandboxResult] = []
                thread = threading.Thread(target=lambda: done.append(box.run(slow)))
                start = time.monotonic()
                thread.start()
                killed: list[str] = []
                while len(killed) < 2 and time.monotonic() - start < 90:
                    busy = [w for w in running_on(cluster, run_id, ("w1", "w2"))
                            if w not in killed]
                    if busy:
                        cluster.kill_worker(busy[0])  # the job's node, then its retry's node
                        killed.append(busy[0])
                    time.sleep(0.2)
                thread.join(timeout=120)
                assert not thread.is_alive(), "the job hung after its nodes were lost"
                assert sorted(killed) == ["w1", "w2"], "the job was not retried on the other node"
                [lost] = done
                assert lost.verdict == "error" and "was lost" in lost.detail, lost
                assert time.monotonic() - start < 60  # far from the job's 60 s sleep + timeout
        finally:
            ray.shutdown()
            DockerSandbox().cleanup(run_id)


@pytest.mark.docker
@pytest.mark.slow
def test_a_run_survives_losing_a_node(cluster: RayCluster, tmp_path: Path) -> None:
    """The issue's must-show: three nodes, four ideas, a worker killed mid-job."""
    runs_dir = tmp_path / "runs"
    log = tmp_path / "run.log"
    command = aisci("run", TOPIC, "--model", "mock", "--num-ideas", "4", "--executor", "ray",
                    "--ray-address", cluster.address, "--parallel", "3", "--seeds", "2",
                    "--runs-dir", str(runs_dir), "--reviewers", "1")
    killed: str | None = None
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + RUN_TIMEOUT_S
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                runs = [p.parent for p in runs_dir.glob("*/events.jsonl")]
                if killed is None and runs and any(
                        e["type"] == "sandbox_run" and e.get("node") for e in read_events(runs[0])):
                    busy = running_on(cluster, runs[0].name, ("w1", "w2"))
                    if busy:  # a worker in the middle of one of the run's jobs
                        killed = busy[0]
                        cluster.kill_worker(killed)
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    output = log.read_text()
    assert killed is not None, "no worker was seen running a job: " + output[-3000:]
    assert proc.returncode in (0, 4), f"rc {proc.returncode}: {output[-3000:]}"

    run = only_run(runs_dir)
    record: Any = load(run / "run.json")
    assert record["sandbox"] == {"backend": "docker", "image": record["sandbox"]["image"],
                                 "executor": "ray"}
    failures = record.get("failures", [])
    assert (record["status"] == "completed") == (proc.returncode == 0) and (
        proc.returncode == 0 or failures), record
    ideas: Any = load(run / "ideas.json")
    selected = [i["name"] for i in ideas if i.get("selected", True)]
    assert len(selected) == 4
    for name in selected:  # a reviewed paper, or a recorded failure
        outcome: Any = load(run / "ideas" / name / "outcome.json")
        has_paper = (run / "ideas" / name / "paper" / "paper.pdf").is_file()
        assert (outcome["status"] == "done" and has_paper) or any(
            f.get("idea") == name for f in failures), (name, outcome["status"], failures)

    jobs = [e for e in read_events(run) if e["type"] == "sandbox_run" and not e["cached"]]
    nodes = {e["node"].split("/")[0] for e in jobs}
    assert len(nodes) >= 2 and nodes <= {"head", "w1", "w2"}, nodes
    assert all(e["backend"] == "docker" for e in jobs)
    lost = [e for e in jobs if e["verdict"] == "error" and not e.get("exit_code")]
    assert not lost, lost  # the killed job ran again on another node

    from sandbox.docker import DockerSandbox

    assert DockerSandbox().leftovers(run.name, volumes=True) == [], \
        "containers or volumes of the run were left behind"
    print(f"killed {killed}; {len(jobs)} jobs on {sorted(nodes)}", file=sys.stderr)
