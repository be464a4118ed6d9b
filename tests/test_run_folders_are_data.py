"""A run folder is data: a tampered run.json or checkpoint cannot make ``aisci resume`` widen
what it does on this machine.

Each test copies one real paused run (``--approve ideas``), tampers with it as someone who
shares run folders could, and runs the real CLI in a subprocess with canary values in its
environment:

- ``sandbox: local`` (with ``from_scratch`` and a payload in the run's own ``template/``): the
  resume refuses in one line, nothing runs on the host; stated with ``--sandbox local`` the
  same resume of an untampered run goes on.
- an ``anthropic/...`` model with a foreign ``api_base`` while ``ANTHROPIC_API_KEY`` is set: the
  resume refuses before any request (a listener on 127.0.0.1 counts no connection); with the
  user's own ``--model`` it goes on.
- ``from_draft: /proc/self/environ``: refused; no canary lands in the run folder.
- a checkpoint rewritten with LangGraph's own SQLite saver to hold an ``Idea`` named
  ``../../../../X`` with an out-of-range score: one line, nothing written outside the folder.
- run.json with an unknown or out-of-range field, ``aisci show /etc``, ``aisci show '2026*'``:
  one line each, never "unexpected".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO, aisci, only_run

CANARY = "sk-ant-canary-5f1e0c2b9a7d4e3f8b6a"
ENV_CANARY = "aisci-env-canary-77d2c1"
PAUSED_ARGS = ("--model", "mock", "--sandbox", "local", "--num-ideas", "1", "--max-runs", "1",
               "--reviewers", "1", "--approve", "ideas")


class Listener:
    """A TCP server on 127.0.0.1 that counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(1)
            with contextlib.suppress(OSError):
                self.received += conn.recv(65536)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def paused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real run, paused at the ideas approval (its baseline and ideas done)."""
    runs = tmp_path_factory.mktemp("paused") / "runs"
    done = subprocess.run(aisci("run", "momentum in small networks", *PAUSED_ARGS,
                                "--runs-dir", str(runs)),
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return only_run(runs)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _copy(paused: Path, tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    target = runs / paused.name
    shutil.copytree(paused, target)
    return target


def _tamper(run: Path, **settings: Any) -> None:
    record = json.loads((run / "run.json").read_text())
    record["run_settings"].update(settings)
    (run / "run.json").write_text(json.dumps(record))


def _resume(run: Path, *flags: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANTHROPIC_API_KEY": CANARY, "AISCI_TEST_CANARY": ENV_CANARY,
           "PYTHONPATH": str(REPO)}
    return subprocess.run(aisci("resume", str(run), "--yes", *flags), cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "unexpected" not in lines[0] and "Traceback" not in done.stderr
    return lines[0]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def _nothing_ran(run: Path, before: dict[str, bytes]) -> None:
    """The folder is as it was: no event, no sandbox job, no new file."""
    assert _files(run) == before, "the refused resume changed the run folder"


PAYLOAD = """import os, pathlib, sys
pathlib.Path(os.environ.get("AISCI_PWNED", "/tmp/aisci-pwned")).write_text(
    os.environ.get("AISCI_TEST_CANARY", "") + os.environ.get("ANTHROPIC_API_KEY", ""))
sys.argv  # --out_dir
"""


def test_a_local_sandbox_in_run_json_is_refused(paused: Path, tmp_path: Path) -> None:
    run = _copy(paused, tmp_path)
    template = shutil.copytree(REPO / "templates" / "tiny_mlp", run / "template")
    (template / "experiment.py").write_text(PAYLOAD + (template / "experiment.py").read_text())
    (template / "template.toml").touch()
    pwned = tmp_path / "pwned"
    _tamper(run, sandbox="local", from_scratch=True, template=str(template))
    before = _files(run)
    env_payload = {"AISCI_PWNED": str(pwned)}
    os.environ.update(env_payload)
    try:
        line = _one_error_line(_resume(run, cwd=tmp_path))
    finally:
        os.environ.pop("AISCI_PWNED")
    assert "sandbox = local" in line and "--sandbox local" in line, line
    assert not pwned.exists(), "the payload ran on the host"
    _nothing_ran(run, before)


def test_a_stated_local_sandbox_resumes(paused: Path, tmp_path: Path) -> None:
    run = _copy(paused, tmp_path)
    done = _resume(run, "--sandbox", "local", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads((run / "run.json").read_text())["status"] == "completed"


def test_a_foreign_api_base_gets_no_request_and_no_key(paused: Path, tmp_path: Path,
                                                       listener: Listener) -> None:
    run = _copy(paused, tmp_path)
    foreign = {"model": "anthropic/claude-sonnet-4-5", "api_base": listener.url}
    record = json.loads((run / "run.json").read_text())
    settings = record["run_settings"]
    settings["model"].update(foreign)
    for role in settings["role_models"].values():
        role.update(foreign)
    (run / "run.json").write_text(json.dumps(record))
    before = _files(run)
    line = _one_error_line(_resume(run, "--sandbox", "local", cwd=tmp_path))
    assert "anthropic/claude-sonnet-4-5" in line and "--model" in line, line
    assert CANARY not in line
    assert listener.connections == 0, "a request reached the foreign server"
    _nothing_ran(run, before)
    # Naming the model and the server on the command line is the user's choice; naming their
    # own (offline) model resumes the run without the folder's server.
    own = _resume(run, "--sandbox", "local", "--model", "mock", cwd=tmp_path)
    assert own.returncode == 0, own.stdout + own.stderr
    assert listener.connections == 0
    assert CANARY.encode() not in b"".join(_files(run).values())


def test_a_draft_outside_the_run_folder_is_never_read(paused: Path, tmp_path: Path) -> None:
    run = _copy(paused, tmp_path)
    _tamper(run, from_draft="/proc/self/environ")
    before = _files(run)
    line = _one_error_line(_resume(run, "--sandbox", "local", cwd=tmp_path))
    assert "draft" in line and "/proc/self/environ" in line, line
    _nothing_ran(run, before)
    everything = b"".join(_files(run).values())
    assert CANARY.encode() not in everything and ENV_CANARY.encode() not in everything
    # A draft named like one but outside the run's draft/ folder is refused as well.
    outside = tmp_path / "secret.tex"
    outside.write_text(f"\\section{{Introduction}} {ENV_CANARY}\n")
    _tamper(run, from_draft=str(outside.parent / ".." / outside.parent.name / "secret.tex"))
    line = _one_error_line(_resume(run, "--sandbox", "local", cwd=tmp_path))
    assert "draft/ folder" in line, line


@pytest.mark.parametrize(("change", "field"), [
    ({"num_ideas": 1000}, "run_settings.num_ideas"),
    ({"shell": "rm -rf /"}, "run_settings.shell"),
])
def test_an_invalid_run_json_is_one_line(paused: Path, tmp_path: Path, change: dict[str, Any],
                                         field: str) -> None:
    run = _copy(paused, tmp_path)
    _tamper(run, **change)
    line = _one_error_line(_resume(run, "--sandbox", "local", cwd=tmp_path))
    assert field in line and "not a valid run record" in line, line
    shown = subprocess.run(aisci("show", str(run)), cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert field in _one_error_line(shown)


@pytest.mark.parametrize("target", ["/etc", "2026*", "../..", "/proc/self"])
def test_show_and_resume_of_no_run_are_one_line(tmp_path: Path, target: str) -> None:
    (tmp_path / "runs").mkdir()
    for command in ("show", "resume"):
        done = subprocess.run(aisci(command, target, "--runs-dir", str(tmp_path / "runs")),
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert "no run" in _one_error_line(done)


async def _plant_traversal(checkpoints: Path) -> None:
    """What someone with write access to the checkpoint store does: read the latest
    checkpoint with LangGraph's own saver and serializer, swap in a crafted Idea, write it
    back in place."""
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    from agents.domain.ideas import Idea

    async with aiosqlite.connect(str(checkpoints)) as conn:
        saver = AsyncSqliteSaver(conn)  # the default serializer: what an attacker would use
        config: Any = {"configurable": {"thread_id": "research", "checkpoint_ns": ""}}
        latest = await saver.aget_tuple(config)
        assert latest is not None
        ideas = latest.checkpoint["channel_values"]["ideas"]
        evil = Idea.model_construct(**{**ideas[0].model_dump(), "name": "../../../../X",
                                       "interestingness": 99})
        checkpoint = {**latest.checkpoint,
                      "channel_values": {**latest.checkpoint["channel_values"], "ideas": [evil]}}
        await saver.aput(latest.parent_config or config, checkpoint, latest.metadata,
                         latest.checkpoint["channel_versions"])


def test_a_crafted_checkpoint_stops_the_resume_and_writes_nothing_outside(
        paused: Path, tmp_path: Path) -> None:
    run = _copy(paused, tmp_path)
    asyncio.run(_plant_traversal(run / "checkpoints.sqlite"))
    outside_before = sorted(p for p in tmp_path.rglob("*") if run not in p.parents and p != run)
    done = _resume(run, "--sandbox", "local", cwd=tmp_path)
    line = _one_error_line(done)
    assert "checkpoint" in line and "Idea" in line and "interestingness" in line, line
    outside_after = sorted(p for p in tmp_path.rglob("*") if run not in p.parents and p != run)
    assert outside_after == outside_before, "the resume wrote outside the run folder"
    assert not (run / "ideas").exists(), "nothing of the crafted idea may be written"


def test_a_link_in_the_run_folder_is_never_written_through(paused: Path, tmp_path: Path) -> None:
    run = _copy(paused, tmp_path)
    bashrc = tmp_path / "home" / ".bashrc"
    bashrc.parent.mkdir()
    bashrc.write_text("# the user's shell start-up\n")
    (run / "events.jsonl").unlink()
    (run / "events.jsonl").symlink_to(bashrc)
    line = _one_error_line(_resume(run, "--sandbox", "local", cwd=tmp_path))
    assert "events.jsonl" in line and "link" in line, line
    assert bashrc.read_text() == "# the user's shell start-up\n"
