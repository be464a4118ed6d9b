"""Probes of the result files: what a job leaves in its folder comes back intact when it is
plain data, and as nothing at all when it is not (links, specials, modes, floods, depth),
with a clear verdict and the host unchanged outside the job folder."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

from sandbox.base import Limits, Sandbox, SandboxResult
from sandbox.conformance.core import (
    QUICK,
    Outcome,
    behaviour,
    brief,
    clean,
    host_changes,
    new_workdir,
    out,
    run_job,
    run_script,
    snapshot,
    tree_kinds,
    verdict,
)


def _guarded_run(sandbox: Sandbox, tmp: Path, script: str, *, limits: Limits = QUICK,
                 files: dict[str, str | bytes] | None = None,
                 expected: tuple[str, ...] = ()) -> tuple[SandboxResult, Path, list[str]]:
    """Run a job next to a host canary; returns what changed on the host outside its folder."""
    canary = tmp / "host-canary.txt"
    if not canary.exists():
        canary.write_text("host only\n")
        (tmp / "host-dir").mkdir()
        (tmp / "host-dir" / "keep.txt").write_text("keep\n")
    before = snapshot(tmp)
    files = {"canary_path.txt": str(canary), **(files or {})}
    workdir = new_workdir(tmp, script, files)
    result = run_job(sandbox, workdir, limits=limits, expected=expected)
    return result, workdir, host_changes(before, snapshot(tmp, skip=workdir))


def _tree(root: Path) -> tuple[int, int, int]:
    """Entries, total file bytes and the deepest nesting under ``root``."""
    paths = list(root.rglob("*"))
    size = sum(p.stat().st_size for p in paths if p.is_file() and not p.is_symlink())
    depth = max((len(p.relative_to(root).parts) for p in paths), default=0)
    return len(paths), size, depth


@behaviour("results", "files the job writes come back intact")
def results_intact(sandbox: Sandbox, tmp: Path) -> Outcome:
    seed = secrets.token_hex(8)
    payload = secrets.token_bytes(1 << 20)
    expected = hashlib.sha256(seed.encode() * 100_000).hexdigest()
    result, wd = run_script(sandbox, tmp, """
        import hashlib, json, os
        seed = open("seed.txt").read()
        os.makedirs("deep/é dir", exist_ok=True)
        open("deep/é dir/result.bin", "wb").write(seed.encode() * 100_000)
        os.remove("delete_me.txt")
        digest = hashlib.sha256(open("input.bin", "rb").read()).hexdigest()
        json.dump({"input_sha": digest}, open("final_info.json", "w"))
    """, files={"seed.txt": seed, "input.bin": payload, "delete_me.txt": "x"},
        expected=("final_info.json",))
    produced = wd / "deep" / "é dir" / "result.bin"
    got = hashlib.sha256(produced.read_bytes()).hexdigest() if produced.is_file() else None
    info = json.loads((wd / "final_info.json").read_text()) if result.ok else {}
    ok = (result.ok and got == expected and (wd / "input.bin").read_bytes() == payload
          and info.get("input_sha") == hashlib.sha256(payload).hexdigest()
          and not (wd / "delete_me.txt").exists())
    return verdict(ok, f"{result.verdict}; result hash matches: {got == expected}; {info}")


@behaviour("results", "exit codes and missing results are reported")
def verdicts_reported(sandbox: Sandbox, tmp: Path) -> Outcome:
    failed, _ = run_script(sandbox, tmp, "import sys\nsys.exit(3)\n")
    missing, _ = run_script(sandbox, tmp, "print('no results')\n", expected=("final_info.json",))
    ok = (failed.verdict == "error" and failed.exit_code == 3
          and missing.verdict == "missing_results")
    return verdict(ok, f"exit 3 -> {failed.verdict} ({failed.exit_code}); "
                       f"no final_info.json -> {missing.verdict}")



@behaviour("results", "symlinks of every kind are dropped, none is followed")
def result_symlinks_dropped(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd, changes = _guarded_run(sandbox, tmp, """
        import os, shutil
        host = open("canary_path.txt").read()
        open("real.txt", "w").write("real")
        os.makedirs("sub/deeper")
        links = {"abs": "/etc/passwd", "host_file": host, "host_dir": os.path.dirname(host),
                 "up": "../../../../../../etc/passwd", "inside": "real.txt",
                 "dangling": "nowhere/at/all", "root": "/", "sub/up": "../..",
                 "sub/deeper/up": "../../../host-canary.txt", "loop_a": "loop_b",
                 "loop_b": "loop_a", "self": "self", "dot": ".", "proc": "/proc/self/root"}
        for name, target in links.items():
            os.symlink(target, name)
        shutil.rmtree("input_dir")  # a folder the host wrote, swapped for a link out
        os.symlink(os.path.dirname(host) + "/host-dir", "input_dir")
    """, files={"input_dir/keep.txt": "input"})
    kinds = tree_kinds(wd)
    ok = (result.ok and clean(kinds) and (wd / "real.txt").read_text() == "real"
          and not changes and "15 symlink" in result.detail
          and (tmp / "host-canary.txt").read_text() == "host only\n")
    return verdict(ok, f"{result.verdict}; on the host: {kinds}; host changes: {changes}; "
                       f"{result.detail}")


@behaviour("results", "hard links are dropped: every file on the host has one link")
def result_hard_links_dropped(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd, changes = _guarded_run(sandbox, tmp, """
        import json, os
        open("real.txt", "w").write("real")
        os.makedirs("d")
        os.link("real.txt", "hard_inside")
        os.link("real.txt", "d/hard_nested")
        refused = {}
        for target in ("/etc/passwd", "/usr/bin/timeout", "/proc/self/environ"):
            try:
                os.link(target, "hard_" + os.path.basename(target)); refused[target] = "linked"
            except OSError as e:
                refused[target] = e.strerror
        json.dump(refused, open("out.json", "w"))
    """)
    kinds = tree_kinds(wd)
    copies = [p for p in ("real.txt", "hard_inside", "d/hard_nested") if (wd / p).is_file()]
    ok = (result.ok and clean(kinds) and len(copies) == 1
          and (wd / copies[0]).read_text() == "real" and "linked" not in out(wd).values()
          and not changes)
    return verdict(ok, f"{result.verdict}; kept {copies}; on the host: {kinds}; host changes: "
                       f"{changes}; {out(wd)}; {result.detail}")


@behaviour("results", "FIFOs, sockets and control-character names are dropped")
def result_special_files_dropped(sandbox: Sandbox, tmp: Path) -> Outcome:
    long_name = "n" * 251 + ".txt"
    result, wd, changes = _guarded_run(sandbox, tmp, """
        import os, socket
        os.mkfifo("final_info.json")  # a FIFO where the host expects a file would block it
        os.mkfifo("fifo")
        server = socket.socket(socket.AF_UNIX); server.bind("socket")
        for name in ("new\\nline.txt", "tab\\tname.txt", "esc\\x1b[31m.txt", "del\\x7f.txt"):
            open(name, "w").write("x")
        open("n" * 251 + ".txt", "w").write("long")
        open("quote'\\"name.txt", "w").write("q")
    """, expected=("final_info.json",))
    kinds = tree_kinds(wd)
    names = sorted(p.name for p in wd.iterdir())  # (Docker's archives leave sockets out)
    ok = (result.verdict == "missing_results" and clean(kinds) and long_name in names
          and "quote'\"name.txt" in names and not any(c in "".join(names) for c in "\n\t\x1b\x7f")
          and not changes and "special file" in result.detail
          and "4 unsafe name" in result.detail)
    return verdict(ok, f"{result.verdict}; names: {brief(names, 300)}; on the host: {kinds}; "
                       f"host changes: {changes}; {result.detail}")


@behaviour("results", "modes come back as 0o644/0o755: no setuid, setgid or sticky bit")
def result_modes_normalized(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd, changes = _guarded_run(sandbox, tmp, """
        import os
        modes = {"suid.sh": 0o4755, "sgid.sh": 0o2755, "both.sh": 0o6777, "world.txt": 0o666,
                 "none.txt": 0o000, "exec.sh": 0o700}
        for name, mode in modes.items():
            open(name, "w").write(name); os.chmod(name, mode)
        for folder, mode in {"sticky": 0o1777, "wide": 0o777, "closed": 0o000}.items():
            os.mkdir(folder); open(f"{folder}/inner.txt", "w").write(folder)
            os.chmod(folder, mode)
    """)
    kinds = tree_kinds(wd)
    mode = {p: (wd / p).stat().st_mode & 0o7777 for p in
            ("suid.sh", "exec.sh", "none.txt", "world.txt", "closed") if (wd / p).exists()}
    ok = (result.ok and clean(kinds) and mode.get("suid.sh") == 0o755
          and mode.get("exec.sh") == 0o755 and mode.get("none.txt") == 0o644
          and mode.get("world.txt") == 0o644 and mode.get("closed") == 0o755
          and (wd / "closed" / "inner.txt").read_text() == "closed" and not changes)
    return verdict(ok, f"{result.verdict}; modes: { {k: oct(v) for k, v in mode.items()} }; "
                       f"on the host: {kinds}; host changes: {changes}")


@behaviour("results", "50,000 result files hit the file cap (results_limit)")
def result_file_count_capped(sandbox: Sandbox, tmp: Path) -> Outcome:
    cap = 5_000
    limits = QUICK.model_copy(update={"result_files": cap, "timeout_s": 60})
    result, wd, changes = _guarded_run(sandbox, tmp, """
        import os
        for d in range(50):
            os.mkdir(f"d{d:02d}")
            for f in range(1000):
                os.close(os.open(f"d{d:02d}/f{f:03d}", os.O_CREAT | os.O_WRONLY, 0o644))
    """, limits=limits)
    entries, _, _ = _tree(wd)
    ok = (result.verdict == "results_limit" and f"more than {cap} files" in result.detail
          and 0 < entries <= cap and not changes)
    return verdict(ok, f"{result.verdict}: {result.detail}; {entries} entries on the host; "
                       f"host changes: {changes}")


@behaviour("results", "a tree 100 folders deep is cut at the depth cap (results_limit)")
def result_deep_tree_capped(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd, changes = _guarded_run(sandbox, tmp, """
        import os
        for level in range(100):
            os.mkdir("d"); os.chdir("d")
            open("f.txt", "w").write(str(level))
    """)
    _, _, depth = _tree(wd)
    ok = (result.verdict == "results_limit" and f"deeper than {QUICK.result_depth}" in result.detail
          and depth <= QUICK.result_depth and (wd / "d" / "f.txt").read_text() == "0"
          and not changes)
    return verdict(ok, f"{result.verdict}: {brief(result.detail, 300)}; deepest on the host: "
                       f"{depth}; host changes: {changes}")


@behaviour("results", "results past the byte cap stop the copy; no file is truncated")
def result_bytes_capped(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"result_mb": 8})
    result, wd, changes = _guarded_run(sandbox, tmp, """
        for name in ("a.bin", "b.bin", "c.bin"):
            open(name, "wb").write(b"\\1" * (4 << 20))
    """, limits=limits)
    _, size, _ = _tree(wd)
    sizes = [p.stat().st_size for p in wd.glob("*.bin")]
    ok = (result.verdict == "results_limit" and "more than 8 MB" in result.detail
          and size <= 8 << 20 and all(s == 4 << 20 for s in sizes) and not changes)
    return verdict(ok, f"{result.verdict}: {result.detail}; {size} bytes on the host; "
                       f"host changes: {changes}")
