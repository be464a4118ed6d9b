"""Sanitizing a folder in place (the local backend's results): plain files and folders only,
within the caps, and nothing outside the folder changes."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from sandbox.copyback import ResultCaps
from sandbox.sanitize import sanitize_tree


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "outside"
    target.mkdir()
    (target / "secret.txt").write_text("host secret")
    return target


@pytest.fixture
def job(tmp_path: Path) -> Path:
    folder = tmp_path / "job"
    folder.mkdir()
    return folder


def test_links_and_special_files_are_removed(job: Path, outside: Path) -> None:
    (job / "real.txt").write_text("real")
    (job / "abs").symlink_to("/etc/passwd")
    (job / "out").symlink_to(outside)
    (job / "file_link").symlink_to(outside / "secret.txt")
    (job / "inside").symlink_to("real.txt")
    os.mkfifo(job / "fifo")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(job / "sock"))
    (job / "bad\nname").write_text("x")
    report = sanitize_tree(job, ResultCaps())
    assert sorted(p.name for p in job.iterdir()) == ["real.txt"]
    assert report.skipped == {"symlink": 4, "special file": 2, "unsafe name": 1}
    assert (outside / "secret.txt").read_text() == "host secret"


def test_a_hard_link_becomes_a_private_copy(job: Path, outside: Path) -> None:
    os.link(outside / "secret.txt", job / "linked.txt")
    sanitize_tree(job, ResultCaps())
    copy = job / "linked.txt"
    assert copy.read_text() == "host secret" and copy.stat().st_nlink == 1
    copy.write_text("host code rewrites a result")
    assert (outside / "secret.txt").read_text() == "host secret"
    assert (outside / "secret.txt").stat().st_nlink == 1


def test_modes_are_normalized(job: Path) -> None:
    for name, mode in {"suid": 0o4755, "sgid": 0o2755, "none": 0, "exec": 0o700,
                       "world": 0o666}.items():
        (job / name).write_text(name)
        (job / name).chmod(mode)
    (job / "closed").mkdir()
    (job / "closed" / "inner").write_text("inner")
    (job / "closed").chmod(0)
    (job / "sticky").mkdir()
    (job / "sticky").chmod(0o1777)
    sanitize_tree(job, ResultCaps())
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in job.rglob("*")}
    assert modes == {"suid": 0o755, "sgid": 0o755, "none": 0o644, "exec": 0o755,
                     "world": 0o644, "closed": 0o755, "inner": 0o644, "sticky": 0o755}


def test_the_caps_remove_what_is_beyond_them(job: Path) -> None:
    for i in range(30):
        (job / f"f{i:02d}").write_text("x")
    report = sanitize_tree(job, ResultCaps(max_entries=10))
    assert report.limit == "results hold more than 10 files; the first 10 were kept"
    assert sorted(p.name for p in job.iterdir()) == [f"f{i:02d}" for i in range(10)]


def test_a_deep_tree_is_cut_at_the_depth_cap(job: Path) -> None:
    fd = os.open(job, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(200):
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(parent)
    os.close(fd)
    report = sanitize_tree(job, ResultCaps(max_depth=64))
    assert max(len(p.relative_to(job).parts) for p in job.rglob("*")) == 64
    assert "deeper than 64" in report.limit


def test_bytes_past_the_cap_are_removed_whole(job: Path) -> None:
    for name in "abc":
        (job / f"{name}.bin").write_bytes(b"\1" * 4096)
    report = sanitize_tree(job, ResultCaps(max_bytes=9000))
    assert sorted(p.name for p in job.iterdir()) == ["a.bin", "b.bin"]
    assert "more than" in report.limit and report.bytes == 8192
