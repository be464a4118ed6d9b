"""Helpers shared by tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))


def docker_or_skip(what: str) -> None:
    """Skip ``what`` where no Docker engine answers; in CI, fail instead (CI must run it)."""
    import pytest

    from sandbox.base import SandboxUnavailable
    from sandbox.docker import DockerSandbox

    try:
        DockerSandbox().preflight()
    except SandboxUnavailable as exc:
        if IN_CI:
            pytest.fail(f"CI must run {what} in Docker: {exc}")
        pytest.skip(str(exc))


def tex_installed() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def only_run(runs_dir: Path) -> Path:
    runs = [p for p in runs_dir.iterdir() if (p / "run.json").exists()]
    assert len(runs) == 1, f"expected one run folder in {runs_dir}, found {runs}"
    return runs[0]


def load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def offline_context(tmp_path: Path, *, template: str = "tiny_mlp", sandbox: object = None,
                    model: str = "mock/aisci-offline", **settings: object) -> object:
    """A RunContext on the offline model and the local sandbox, for tests of one stage."""

    from agents.config.settings import ModelSettings, RunSettings
    from agents.jobs.runner import JobRunner
    from agents.llm.client import LLMClient
    from agents.run.context import RunContext
    from agents.run.folder import RunFolder
    from agents.templates.template import load_template
    from sandbox.local import LocalSandbox

    box: Any = sandbox or LocalSandbox()
    model_settings = ModelSettings(model=model)
    run_settings = RunSettings(topic="a test topic", template=template, model=model_settings,
                               sandbox="local", **settings)  # type: ignore[arg-type]
    run = RunFolder.create(tmp_path, "test")

    from agents.paper.tex import Tex

    jobs = JobRunner(box, run.path / "cache", parallel=2, run_id=run.id, event=run.event)
    return RunContext(run=run, settings=run_settings, template_or_none=load_template(template),
                      llm=LLMClient({}, default=model_settings, on_event=run.event), jobs=jobs,
                      tex=Tex.host())


def aisci(*args: str) -> list[str]:
    """The command line of ``aisci`` in this interpreter."""
    return [sys.executable, "-m", "agents.cli", *args]


def at_node(kind: str, node: str) -> Any:
    """An event test: ``kind`` (``node_end``, ``node_start``) of ``node``."""
    return lambda event: event.get("type") == kind and event.get("node") == node


def kill_at(command: list[str], runs_dir: Path, when: Any, *, cwd: Path = REPO,
            log: Path, timeout_s: float = 300) -> Path:
    """Start ``command`` (an ``aisci run`` into ``runs_dir``) and SIGKILL it as soon as an
    event of events.jsonl passes ``when``; returns the run folder. Fails if the run ended on
    its own first."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        deadline, offset, pending = time.monotonic() + timeout_s, 0, ""
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                found = list(runs_dir.glob("*/events.jsonl"))
                if found:
                    with found[0].open(encoding="utf-8") as f:
                        f.seek(offset)
                        pending += f.read()
                        offset = f.tell()
                    *lines, pending = pending.split("\n")
                    if any(line.strip() and when(json.loads(line)) for line in lines):
                        proc.send_signal(signal.SIGKILL)
                        break
                time.sleep(0.005)
        finally:
            if proc.poll() is None and time.monotonic() >= deadline:
                proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, (
        f"the run ended (rc {proc.returncode}) before it could be killed: "
        + log.read_text())
    return only_run(runs_dir)
