"""The Docker backend's own contract: its profile, its messages, its sweeps, its transfers."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from sandbox import images
from sandbox.base import Limits, SandboxJob, SandboxResult, SandboxUnavailable
from sandbox.container_setup import container_config, job_labels
from sandbox.copyback import CopyReport
from sandbox.docker import DockerSandbox, _judge

JOB = SandboxJob(workdir=Path("/tmp/x"), command=["python", "exp.py"],
                 limits=Limits(memory_mb=1024, cpus=2, pids=128, timeout_s=60),
                 env={"OPENAI_API_KEY": "sk-x", "AISCI_SEED": "1"},
                 labels={"run_id": "r1", "idea": "i1"})


def test_profile_has_every_hardening_setting() -> None:
    config = container_config(JOB, "img:tag", "aisci-r1-i1-abcd", job_labels(JOB))
    assert config["network_mode"] == "none"
    assert config["cap_drop"] == ["ALL"]
    assert config["security_opt"] == ["no-new-privileges:true"]
    assert not config["user"].startswith("0")
    assert config["read_only"] is True
    assert "noexec" in config["tmpfs"]["/tmp"]
    assert config["pids_limit"] == 128
    assert config["mem_limit"] == config["memswap_limit"] == "1024m"
    assert config["nano_cpus"] == 2_000_000_000
    assert config["init"] is True
    assert {u["Name"] for u in config["ulimits"]} == {"nofile", "fsize"}
    assert config["log_config"]["Config"]["max-size"]
    assert "privileged" not in config and "device_requests" not in config
    assert list(config["volumes"]) == ["aisci-r1-i1-abcd"]  # its own volume, no host path
    assert "OPENAI_API_KEY" not in config["environment"]
    assert config["environment"]["AISCI_SEED"] == "1"
    assert config["labels"]["owner"] == "aisci"
    assert config["labels"]["aisci.run_id"] == "r1"


def test_gpus_are_requested_only_when_available() -> None:
    job = JOB.model_copy(update={"limits": Limits(gpus=1)})
    assert "device_requests" not in container_config(job, "i", "n", {}, gpus=False)
    assert container_config(job, "i", "n", {}, gpus=True)["device_requests"][0]["Count"] == 1


def test_unreachable_engine_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(SandboxUnavailable, match=r"scripts/setup_docker\.sh") as info:
        DockerSandbox(image="aisci-sandbox:any").preflight()
    assert "--sandbox local" in str(info.value)
    assert "\n" not in str(info.value)


def test_image_tag_is_a_hash_of_the_build_inputs(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tag = images.image_tag()
    assert tag == images.image_tag() and tag.startswith("aisci-sandbox:")
    copy = tmp_path / "images"
    copy.mkdir()
    for name in ("Dockerfile", "Dockerfile.offline", "requirements.txt"):
        (copy / name).write_text((images.IMAGES_DIR / name).read_text())
    monkeypatch.setattr(images, "IMAGES_DIR", copy)
    assert images.image_tag() == tag
    (copy / "requirements.txt").write_text("numpy==1.0\n")
    assert images.image_tag() != tag


def test_paper_image_tag_is_a_hash_of_its_inputs(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tag = images.paper_image_tag()
    assert tag.startswith("aisci-paper:") and tag != images.image_tag()
    copy = tmp_path / "images"
    copy.mkdir()
    (copy / "Dockerfile.paper").write_text((images.IMAGES_DIR / "Dockerfile.paper").read_text())
    monkeypatch.setattr(images, "IMAGES_DIR", copy)
    assert images.paper_image_tag() == tag
    monkeypatch.setattr(images, "PAPER_PACKAGES", (*images.PAPER_PACKAGES, "chktex"))
    assert images.paper_image_tag() != tag


def test_paper_image_is_hardened_for_tex() -> None:
    dockerfile = (images.IMAGES_DIR / "Dockerfile.paper").read_text()
    for setting in ("openin_any=p", "openout_any=p", "shell_escape=f", "HOME=/tmp",
                    "TEXMFVAR=/tmp/texmf-var", "TEXMFCONFIG=/tmp/texmf-config",
                    "USER 65534:65534", "-perm /6000"):
        assert setting in dockerfile
    assert "FROM ${BASE}" in dockerfile and "pull" not in dockerfile


@pytest.mark.parametrize(("exit_code", "copy_limit", "disk", "expected"), [
    (0, "", "", "ok"),
    (0, "results hold more than 10 files; the first 10 were kept", "", "results_limit"),
    (3, "results hold more than 10 files; the first 10 were kept", "", "error"),
    (137, "", "the job folder grew past 64 MB on disk; the job was stopped", "disk_limit"),
])
def test_verdicts_name_the_cap_that_was_hit(exit_code: int, copy_limit: str, disk: str,
                                           expected: str) -> None:
    copy = CopyReport(limit=copy_limit)
    verdict, detail = _judge(JOB, exit_code, 1.0, copy, output=False, disk=disk,
                             timed_out=False, oom=False)
    assert verdict == expected
    assert copy_limit in detail and disk in detail


def test_debian_mirror_comes_from_apt_or_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    assert images.debian_mirror().startswith(("http://", "https://"))
    monkeypatch.setenv("AISCI_DEBIAN_MIRROR", "http://mirror.example/debian")
    assert images.debian_mirror() == "http://mirror.example/debian"


@pytest.mark.docker
def test_missing_image_is_reported_not_pulled(docker_sandbox: DockerSandbox,
                                              tmp_path: Path) -> None:
    box = DockerSandbox(image="aisci-sandbox:does-not-exist", client=docker_sandbox.client())
    with pytest.raises(SandboxUnavailable, match="Run `aisci sandbox build`"):
        box.preflight()
    with pytest.raises(SandboxUnavailable, match="is missing"):
        box.run(SandboxJob(workdir=tmp_path, command=["python", "-c", "pass"]))
    assert not images.image_exists(docker_sandbox.client(), "aisci-sandbox:does-not-exist")


@pytest.mark.docker
def test_ensure_image_is_instant_when_the_image_exists(docker_sandbox: DockerSandbox) -> None:
    start = time.monotonic()
    assert images.ensure_image(log=lambda _: None) == docker_sandbox.image
    assert time.monotonic() - start < 5


@pytest.mark.docker
def test_concurrent_jobs_do_not_collide(docker_sandbox: DockerSandbox, tmp_path: Path) -> None:
    results: dict[int, SandboxResult] = {}

    def run(i: int) -> None:
        workdir = tmp_path / str(i)
        workdir.mkdir()
        (workdir / "exp.py").write_text(f"open('out.txt', 'w').write('{i}')\n")
        results[i] = docker_sandbox.run(SandboxJob(
            workdir=workdir, command=["python", "exp.py"], expected_files=["out.txt"],
            labels={"run_id": "same-run", "idea": "same-idea"}))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i].verdict for i in range(3)] == ["ok"] * 3
    assert len({results[i].container for i in range(3)}) == 3
    assert [(tmp_path / str(i) / "out.txt").read_text() for i in range(3)] == ["0", "1", "2"]
    assert all(r.image == docker_sandbox.image for r in results.values())


@pytest.mark.docker
def test_stale_sweep_spares_live_jobs(docker_sandbox: DockerSandbox) -> None:
    client = docker_sandbox.client()
    run_id = f"sweep-test-{os.getpid()}"
    job = SandboxJob(workdir=Path("/"), command=["sleep", "30"], labels={"run_id": run_id})
    live = client.containers.run(docker_sandbox.image, ["sleep", "30"], detach=True,
                                 labels=job_labels(job), network_mode="none")
    dead_labels = {**job_labels(job), "aisci.pid": "999999999"}
    dead = client.containers.run(docker_sandbox.image, ["sleep", "30"], detach=True,
                                 labels=dead_labels, network_mode="none")
    try:
        swept = docker_sandbox.cleanup(run_id, stale_only=True)
        assert swept.containers == [dead.name]
        assert docker_sandbox.leftovers(run_id) == [live.name]
        assert docker_sandbox.cleanup(run_id).containers == [live.name]
        assert docker_sandbox.leftovers(run_id) == []
    finally:
        for container in (live, dead):
            with contextlib.suppress(Exception):
                container.remove(force=True)


@pytest.mark.docker
def test_a_job_can_name_its_image_which_is_never_pulled(docker_sandbox: DockerSandbox,
                                                        paper_image: str, tmp_path: Path) -> None:
    missing = SandboxJob(workdir=tmp_path, command=["true"], image="aisci-paper:does-not-exist")
    with pytest.raises(SandboxUnavailable, match="aisci-paper:does-not-exist is missing"):
        docker_sandbox.run(missing)
    assert not images.image_exists(docker_sandbox.client(), "aisci-paper:does-not-exist")
    paper = paper_image
    result = docker_sandbox.run(SandboxJob(workdir=tmp_path, command=["pdftotext", "-v"],
                                           image=paper))
    assert result.verdict == "ok" and result.image == paper
    assert docker_sandbox.describe() == {"backend": "docker", "image": docker_sandbox.image}


@pytest.mark.docker
def test_ensure_paper_image_is_instant_when_the_image_exists(paper_image: str) -> None:
    start = time.monotonic()
    assert images.ensure_paper_image(log=lambda _: None) == paper_image
    assert time.monotonic() - start < 5
