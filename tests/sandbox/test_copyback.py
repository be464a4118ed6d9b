"""Copy-back from a crafted archive: only plain files and folders land, within the caps, and
nothing outside the target changes, whatever the archive holds."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.copyback import (
    ResultCaps,
    chunk_reader,
    extract_archive,
    remove_entry,
    replace_from_archive,
    safe_parts,
)

Member = tuple[tarfile.TarInfo, bytes | None]


def _entry(name: str, kind: bytes = tarfile.REGTYPE, *, link: str = "", mode: int = 0o644,
           pax: dict[str, str] | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, mode
    if pax:
        info.pax_headers = pax
    return info


def _archive(members: list[Member]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _chunks(data: bytes, size: int = 7000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _extract(tmp_path: Path, members: list[Member], caps: ResultCaps = ResultCaps()):
    dest = tmp_path / "dest"
    dest.mkdir()
    data = _archive(members)
    return extract_archive(chunk_reader(_chunks(data), len(data) + 1), dest, caps), dest


def _snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int, bytes]]:
    return {str(p): (p.lstat().st_mode, p.lstat().st_size,
                     p.read_bytes() if p.is_file() and not p.is_symlink() else b"")
            for p in root.rglob("*") if not p.is_relative_to(skip)}


def _only_plain(root: Path) -> list[str]:
    """Everything under ``root`` that is not a 0o644/0o755 file or a 0o755 folder."""
    bad = []
    for path in root.rglob("*"):
        info = path.lstat()
        mode = info.st_mode & 0o7777
        if stat.S_ISREG(info.st_mode) and mode in (0o644, 0o755) and info.st_nlink == 1:
            continue
        if stat.S_ISDIR(info.st_mode) and mode == 0o755:
            continue
        bad.append(f"{path.relative_to(root)}:{oct(info.st_mode)}")
    return bad


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A host file next to the target that no archive may touch."""
    canary = tmp_path / "outside.txt"
    canary.write_text("host")
    (tmp_path / "outside-dir").mkdir()
    return canary


def test_links_devices_and_fifos_never_land(tmp_path: Path, outside: Path) -> None:
    before = _snapshot(tmp_path, tmp_path / "dest")
    report, dest = _extract(tmp_path, [
        (_entry("./good.txt"), b"good"),
        (_entry("./abs", tarfile.SYMTYPE, link="/etc/passwd"), None),
        (_entry("./up", tarfile.SYMTYPE, link="../outside.txt"), None),
        (_entry("./in", tarfile.SYMTYPE, link="good.txt"), None),
        (_entry("./dirlink", tarfile.SYMTYPE, link="../outside-dir"), None),
        (_entry("./dirlink/planted.txt"), b"through the link?"),
        (_entry("./hard", tarfile.LNKTYPE, link="../outside.txt"), None),
        (_entry("./hard_in", tarfile.LNKTYPE, link="good.txt"), None),
        (_entry("./fifo", tarfile.FIFOTYPE), None),
        (_entry("./chr", tarfile.CHRTYPE), None),
        (_entry("./blk", tarfile.BLKTYPE), None),
        (_entry("./sparse", tarfile.GNUTYPE_SPARSE), b""),
        (_entry("./contiguous", tarfile.CONTTYPE), b"x"),
    ])
    assert (dest / "good.txt").read_text() == "good"
    assert report.skipped == {"symlink": 4, "hard link": 2, "special file": 5}
    assert sorted(p.name for p in dest.iterdir()) == ["dirlink", "good.txt"]
    assert (dest / "dirlink").is_dir() and not (dest / "dirlink").is_symlink()
    assert _only_plain(dest) == []
    assert _snapshot(tmp_path, tmp_path / "dest") == before
    assert outside.read_text() == "host" and not any((tmp_path / "outside-dir").iterdir())


def test_modes_are_normalized_whatever_the_archive_says(tmp_path: Path) -> None:
    report, dest = _extract(tmp_path, [
        (_entry("suid", mode=0o4755), b"x"), (_entry("sgid", mode=0o2711), b"x"),
        (_entry("sticky", mode=0o1666), b"x"), (_entry("none", mode=0o000), b"x"),
        (_entry("world", mode=0o666), b"x"), (_entry("dir", tarfile.DIRTYPE, mode=0o7777), None),
        (_entry("closed", tarfile.DIRTYPE, mode=0o000), None),
        (_entry("closed/inner", mode=0o600), b"inner"),
    ])
    modes = {p.name: p.stat().st_mode & 0o7777 for p in dest.rglob("*")}
    assert modes == {"suid": 0o755, "sgid": 0o755, "sticky": 0o644, "none": 0o644,
                     "world": 0o644, "dir": 0o755, "closed": 0o755, "inner": 0o644}
    assert (dest / "closed" / "inner").read_text() == "inner"
    assert report.files == 6 and report.folders == 2


@pytest.mark.parametrize("name", [
    "/etc/evil", "../evil", "./../../evil", "a/../../evil", "a/b/../../../evil",
    "new\nline", "tab\tname", "esc\x1b[2J", "del\x7f", "n" * 256, "a/" * 2100 + "x",
])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    report, dest = _extract(tmp_path, [(_entry(name), b"bad"), (_entry("ok"), b"ok")])
    assert report.skipped == {"unsafe name": 1}
    assert [p.name for p in dest.iterdir()] == ["ok"]
    assert not (tmp_path / "evil").exists() and not Path("/etc/evil").exists()
    assert "\n" not in report.note() and "\x1b" not in report.note()


def test_pax_headers_cannot_smuggle_a_name(tmp_path: Path) -> None:
    report, dest = _extract(tmp_path, [
        (_entry("innocent", pax={"path": "../../pax-escape"}), b"x"),
        (_entry("innocent2", pax={"path": "/tmp/pax-abs"}), b"x"),
        (_entry("innocent3", pax={"path": "nul\x00byte"}), b"x"),
        (_entry("kept", pax={"path": "dir/é ünïcode.txt"}), b"fine"),
    ])
    assert report.skipped.get("unsafe name", 0) >= 2
    assert not (tmp_path.parent / "pax-escape").exists() and not Path("/tmp/pax-abs").exists()
    assert (dest / "dir" / "é ünïcode.txt").read_text() == "fine"
    assert _only_plain(dest) == []


def test_name_clashes_keep_the_first_entry(tmp_path: Path) -> None:
    report, dest = _extract(tmp_path, [
        (_entry("a"), b"file first"), (_entry("a/b"), b"under a file"),
        (_entry("a", tarfile.DIRTYPE), None), (_entry("d", tarfile.DIRTYPE), None),
        (_entry("d"), b"file over a folder"), (_entry("f"), b"one"), (_entry("f"), b"two"),
        (_entry(".//f2"), b"x"), (_entry("f2"), b"y"),
    ])
    assert (dest / "a").read_text() == "file first" and (dest / "d").is_dir()
    assert (dest / "f").read_text() == "one" and (dest / "f2").read_text() == "x"
    assert report.skipped == {"duplicate": 5}


def test_fifty_thousand_files_stop_at_the_entry_cap(tmp_path: Path, outside: Path) -> None:
    members: list[Member] = [(_entry(f"d{i // 1000:02d}/f{i:05d}"), b"x") for i in range(50_000)]
    before = _snapshot(tmp_path, tmp_path / "dest")
    report, dest = _extract(tmp_path, members, ResultCaps(max_entries=10_000))
    assert report.limit == "results hold more than 10000 files; the first 10000 were kept"
    assert report.entries == 10_000 == len(list(dest.rglob("*")))
    assert report.files + report.folders == 10_000
    assert _snapshot(tmp_path, tmp_path / "dest") == before


def test_each_member_counts_once(tmp_path: Path) -> None:
    members: list[Member] = []
    for d in range(10):
        members.append((_entry(f"./d{d}", tarfile.DIRTYPE), None))
        members += [(_entry(f"./d{d}/f{f}"), b"x") for f in range(5)]
    report, dest = _extract(tmp_path, members, ResultCaps(max_entries=30))
    assert report.entries == 30 == len(list(dest.rglob("*")))
    assert (report.folders, report.files) == (5, 25)


def test_folders_the_archive_never_listed_count_too(tmp_path: Path) -> None:
    members: list[Member] = [(_entry("/".join(["d"] * 30 + [f"f{i}"])), b"x") for i in range(5)]
    report, dest = _extract(tmp_path, members, ResultCaps(max_entries=20))
    assert report.limit and len(list(dest.rglob("*"))) <= 20


def test_a_deep_tree_is_cut_at_the_depth_cap(tmp_path: Path) -> None:
    members: list[Member] = []
    for level in range(1, 101):
        members.append((_entry("/".join(["d"] * level), tarfile.DIRTYPE), None))
        members.append((_entry("/".join(["d"] * level + ["f.txt"])), str(level).encode()))
    report, dest = _extract(tmp_path, members, ResultCaps(max_depth=64))
    deepest = max(len(p.relative_to(dest).parts) for p in dest.rglob("*"))
    assert deepest == 64 and (dest / "d" / "f.txt").read_text() == "1"
    assert report.limit == ("results nest deeper than 64 levels; "
                            "the deeper files were not copied back")
    assert report.skipped["too deep"] == 200 - 127


def test_bytes_past_the_cap_stop_the_copy_without_truncating(tmp_path: Path) -> None:
    members: list[Member] = [(_entry(f"{n}.bin"), b"\1" * 4096) for n in "abcd"]
    report, dest = _extract(tmp_path, members, ResultCaps(max_bytes=10_000))
    assert "more than" in report.limit
    assert sorted(p.name for p in dest.iterdir()) == ["a.bin", "b.bin"]
    assert all(p.stat().st_size == 4096 for p in dest.iterdir())


def test_an_archive_larger_than_its_budget_is_cut(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    data = _archive([(_entry(f"f{i}"), b"\1" * 100_000) for i in range(20)])
    report = extract_archive(chunk_reader(_chunks(data), 300_000), dest, ResultCaps())
    assert report.limit and report.bytes <= 300_000
    assert all(p.stat().st_size == 100_000 for p in dest.iterdir())  # nothing half-written


def test_tarfile_extraction_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("tarfile extraction (and its filters) must not be relied on")

    for name in ("extract", "extractall", "_extract_member", "makefile", "makelink"):
        monkeypatch.setattr(tarfile.TarFile, name, refuse)
    monkeypatch.setattr(tarfile, "data_filter", refuse)
    report, dest = _extract(tmp_path, [(_entry("dir/file.txt"), b"content")])
    assert (dest / "dir" / "file.txt").read_text() == "content" and report.files == 1


def test_replace_swaps_in_the_results_and_leaves_no_staging(tmp_path: Path) -> None:
    workdir = tmp_path / "job"
    workdir.mkdir()
    (workdir / "old.txt").write_text("input")
    (workdir / "old-dir").mkdir()
    data = _archive([(_entry("./", tarfile.DIRTYPE), None), (_entry("./new.txt"), b"result"),
                     (_entry("./link", tarfile.SYMTYPE, link="/etc"), None)])
    report = replace_from_archive(workdir, _chunks(data), ResultCaps())
    assert sorted(p.name for p in workdir.iterdir()) == ["new.txt"]
    assert report.note().startswith("not copied back: 1 symlink")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job"]


def test_a_broken_stream_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    workdir = tmp_path / "job"
    workdir.mkdir()
    (workdir / "input.txt").write_text("input")
    data = _archive([(_entry("big.bin"), b"\1" * 100_000)])[:50_000]  # cut mid-file
    with pytest.raises(tarfile.TarError):
        replace_from_archive(workdir, _chunks(data), ResultCaps())
    assert [p.name for p in workdir.iterdir()] == ["input.txt"]


def test_remove_entry_handles_deep_trees_and_never_follows_links(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("keep")
    victim = tmp_path / "victim"
    victim.mkdir()
    fd = os.open(victim, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(1200):  # deeper than Python's recursion limit
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
        os.close(parent)
    os.symlink(keep, "link", dir_fd=fd)
    os.close(fd)
    (victim / "link-to-keep").symlink_to(keep)
    os.mkfifo(victim / "fifo")
    (victim / "closed").mkdir()
    (victim / "closed" / "x").write_text("x")
    (victim / "closed").chmod(0)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_entry(fd, "victim")
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep"]
    assert (keep / "precious.txt").read_text() == "keep"


def test_safe_parts_normalizes_docker_style_names() -> None:
    assert safe_parts("./") == () and safe_parts(".") == ()
    assert safe_parts("./a//b/./c") == ("a", "b", "c")
    assert safe_parts("a/../b") is None and safe_parts("/a") is None
