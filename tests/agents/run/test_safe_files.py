"""Copies of template, job and cache files copy no link and follow none; only regular files
under a size cap reach a prompt."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

from agents.experiment.variants import code_files
from agents.jobs.runner import JobRunner
from agents.run.safe_files import PROMPT_FILE_BYTES, copy_tree, read_for_prompt
from sandbox.base import Limits, SandboxJob, SandboxResult

SECRET = "host-secret-canary-91c2"


def _tree_with_links(tmp_path: Path) -> Path:
    secret = tmp_path / "host" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    src = tmp_path / "src"
    (src / "latex").mkdir(parents=True)
    (src / "experiment.py").write_text("print('ok')\n")
    (src / "latex" / "template.tex").write_text("\\documentclass{article}\n")
    (src / "leak.py").symlink_to(secret)
    (src / "latex" / "leak.tex").symlink_to(secret)
    (src / "hostdir").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(src / "pipe")
    return src


def _everything(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_copy_tree_copies_no_link_and_follows_none(tmp_path: Path) -> None:
    src = _tree_with_links(tmp_path)
    dst = copy_tree(src, tmp_path / "dst")
    names = sorted(str(p.relative_to(dst)) for p in dst.rglob("*"))
    assert names == ["experiment.py", "latex", "latex/template.tex"]
    assert SECRET.encode() not in _everything(dst)
    # What shutil.copytree would have done: the host file inside the copy.
    plain = shutil.copytree(src, tmp_path / "plain", ignore=shutil.ignore_patterns("pipe"))
    assert SECRET.encode() in _everything(plain)


def test_only_regular_files_under_the_cap_reach_a_prompt(tmp_path: Path) -> None:
    src = _tree_with_links(tmp_path)
    (src / "big.py").write_text("x = 1\n" * (PROMPT_FILE_BYTES // 6 + 10))
    assert code_files(src) == ["big.py", "experiment.py"]  # the linked leak.py is no code file
    assert read_for_prompt(src / "leak.py") is None
    assert read_for_prompt(src / "big.py") is None
    assert read_for_prompt(src / "experiment.py") == "print('ok')\n"


class LinkingSandbox:
    """A sandbox whose job leaves a link to a host file among its outputs (as a hostile
    experiment on the local backend can)."""

    name = "linking"

    def __init__(self, secret: Path) -> None:
        self.secret = secret

    def preflight(self) -> None:
        return None

    def describe(self) -> dict[str, str]:
        return {"backend": "linking"}

    def run(self, job: SandboxJob) -> SandboxResult:
        out = job.workdir / "out"
        out.mkdir(exist_ok=True)
        (out / "final_info.json").write_text("{}")
        (out / "stolen.txt").symlink_to(self.secret)
        return SandboxResult(verdict="ok", exit_code=0)


def test_the_job_cache_keeps_and_restores_no_link(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    cache = tmp_path / "cache"
    jobs = JobRunner(LinkingSandbox(secret), cache, parallel=1, run_id="r",  # type: ignore[arg-type]
                     event=lambda _event: None)
    first, second = tmp_path / "a", tmp_path / "b"
    for job in (first, second):
        job.mkdir()
        (job / "experiment.py").write_text("print(1)\n")

    async def go() -> list[Any]:
        return [await jobs.run(job, ["python", "experiment.py"], Limits(), labels={},
                               outputs="out") for job in (first, second)]

    ran, restored = asyncio.run(go())
    assert not ran.cached and restored.cached
    assert not any(p.is_symlink() for p in cache.rglob("*")), "the cache kept a link"
    assert SECRET.encode() not in _everything(cache)
    assert sorted(p.name for p in (second / "out").iterdir()) == ["final_info.json"]
