"""Measuring a job folder and stopping a job that fills the disk."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sandbox.copyback import remove_entry
from sandbox.disk import DiskWatch, Usage, tree_usage


def test_usage_counts_blocks_once_per_inode_and_follows_no_link(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"\1" * (1 << 20))
    os.link(tmp_path / "a.bin", tmp_path / "b.bin")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("/usr")
    usage = tree_usage(tmp_path)
    assert 1 << 20 <= usage.bytes < (1 << 20) + 64 * 1024
    assert usage.entries == 4 and usage.hidden == 0


def test_usage_stops_early_above_the_limit(tmp_path: Path) -> None:
    for i in range(100):
        (tmp_path / f"f{i}").write_text("x")
    assert tree_usage(tmp_path, stop_above=Usage(1 << 40, 10)).entries == 11


def test_an_unreadable_folder_is_reported_as_hidden(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        return  # root reads every folder
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed").chmod(0)
    try:
        assert tree_usage(tmp_path).hidden == 1
    finally:
        (tmp_path / "closed").chmod(0o755)


def test_the_watch_fires_once_past_the_limit() -> None:
    sizes = iter([10, 20, 5000, 6000, 7000])
    fired = threading.Event()
    calls: list[int] = []

    def exceed() -> None:
        calls.append(1)
        fired.set()

    watch = DiskWatch(lambda: Usage(next(sizes, 9000), 0), limit_bytes=1000,
                      limit_entries=10, on_exceed=exceed, interval_s=0.01)
    watch.start()
    assert fired.wait(5)
    watch.stop()
    assert calls == [1] and "past 0 MB" in watch.exceeded and watch.peak_bytes == 5000


def test_too_many_files_fire_the_watch_too() -> None:
    watch = DiskWatch(lambda: Usage(0, 11), limit_bytes=1 << 30, limit_entries=10,
                      on_exceed=lambda: None)
    assert "more than 10 files" in watch.check()


def test_a_tree_deeper_than_path_max_is_measured_with_few_descriptors(tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1500):  # 1500 levels of 8-character names: past PATH_MAX
        os.mkdir("dddddddd", dir_fd=fd)
        os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
        fd, parent = os.open("dddddddd", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(parent)
    os.close(fd)
    open_before = len(os.listdir("/proc/self/fd"))
    usage = tree_usage(tmp_path)
    assert usage.entries == 3000
    assert len(os.listdir("/proc/self/fd")) == open_before  # every descriptor closed again
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_entry(fd, "dddddddd")  # pytest's own cleanup recurses and would fail
    finally:
        os.close(fd)
