"""Probes of resources: processes, memory, CPU, time, output, file size, disk and scratch
space. Each tries to exhaust one and checks that the job, not the host, pays."""

from __future__ import annotations

import errno
import secrets
import subprocess
import time
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.conformance.core import (
    QUICK,
    Outcome,
    Sweepable,
    behaviour,
    new_run_id,
    no_marker_left,
    out,
    run_script,
    verdict,
)


@behaviour("resources", "a fork bomb hits the process limit")
def fork_bomb_bounded(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"timeout_s": 4, "pids": 64})
    result, wd = run_script(sandbox, tmp, """
        import json, os, time
        def bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.05)
        forks, error = 0, None
        while forks < 100000:
            try:
                pid = os.fork()
            except OSError as e:
                error = e.errno; break
            if pid == 0:
                bomb()
            forks += 1
        time.sleep(0.5)
        procs = sum(p.isdigit() for p in os.listdir("/proc"))
        json.dump({"forks": forks, "error": error, "procs": procs}, open("out.json", "w"))
        time.sleep(60)
    """, limits=limits)
    got = out(wd)
    start = time.monotonic()
    host_ok = subprocess.run(["true"], timeout=5).returncode == 0 and time.monotonic() - start < 2
    ok = (host_ok and result.verdict != "ok" and got.get("error") == errno.EAGAIN
          and 0 < got.get("procs", 10**6) <= limits.pids)
    return verdict(ok, f"{result.verdict}; host ok: {host_ok}; {got}")


@behaviour("resources", "a memory hog is killed and reported as oom")
def memory_hog_oom(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"memory_mb": 128})
    result, _ = run_script(sandbox, tmp, """
        hog = []
        while True:
            hog.append(b"x" * (16 << 20))
    """, limits=limits)
    return verdict(result.verdict == "oom", f"{result.verdict}: {result.detail}")


@behaviour("resources", "a timeout kills the job and its children")
def timeout_kills_children(sandbox: Sandbox, tmp: Path) -> Outcome:
    marker = f"aisci-marker-{secrets.token_hex(6)}"
    limits = QUICK.model_copy(update={"timeout_s": 3})
    result, wd = run_script(sandbox, tmp, """
        import json, subprocess, sys
        marker = open("marker.txt").read()
        loop = "while True: pass"
        kids = [subprocess.Popen([sys.executable, "-c", loop, marker]),
                subprocess.Popen([sys.executable, "-c", loop, marker], start_new_session=True)]
        json.dump({"children": [k.pid for k in kids]}, open("out.json", "w"))
        while True:
            pass
    """, limits=limits, files={"marker.txt": marker})
    alive = no_marker_left(marker)
    children = len(out(wd).get("children", []))
    ok = (result.verdict == "timeout" and result.duration_s < limits.timeout_s + 4
          and children == 2 and not alive)
    return verdict(ok, f"{result.verdict} after {result.duration_s} s; children started: "
                       f"{children}; still alive on host: {alive}")


@behaviour("resources", "200 MB of stdout is cut (output_limit)")
def output_flood_cut(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, _ = run_script(sandbox, tmp, """
        import sys
        line = "x" * 1_000_000 + "\\n"
        for _ in range(200):
            sys.stdout.write(line)
    """)
    kept = len(result.stdout_tail)
    ok = result.verdict == "output_limit" and result.duration_s < 10 and kept < 20_000
    return verdict(ok, f"{result.verdict} after {result.duration_s} s; {kept} chars kept")


@behaviour("resources", "a 2 GB file write is stopped")
def file_size_bomb_stopped(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"file_size_mb": 16})
    result, wd = run_script(sandbox, tmp, """
        import json
        written, error = 0, None
        chunk = b"\\0" * (4 << 20)
        try:
            with open("big.bin", "wb") as f:
                while written < 2 << 30:
                    f.write(chunk); f.flush(); written += len(chunk)
        except OSError as e:
            error = e.errno
        json.dump({"written": written, "error": error}, open("out.json", "w"))
    """, limits=limits)
    big = wd / "big.bin"
    size = big.stat().st_size if big.is_file() else 0
    got = out(wd)
    ok = got.get("error") == errno.EFBIG and size <= limits.file_size_mb * 2**20
    return verdict(ok, f"{result.verdict}; file on host: {size} bytes; {got}")


@behaviour("resources", "re-exec and raising limits do not beat the timeout")
def relaunch_gains_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"timeout_s": 3})
    run_id = new_run_id()
    result, wd = run_script(sandbox, tmp, """
        import glob, json, os, resource, sys, time
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 0
        open("count.txt", "w").write(str(n))
        if n == 0:
            raised = []
            try:
                resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
                raised.append("fsize")
            except (ValueError, OSError):
                pass
            for path in glob.glob("/sys/fs/cgroup/**/pids.max", recursive=True) + \\
                    glob.glob("/sys/fs/cgroup/**/memory.limit_in_bytes", recursive=True):
                try:
                    open(path, "w").write("max"); raised.append(path)
                except OSError:
                    pass
            json.dump({"raised": raised}, open("out.json", "w"))
        time.sleep(0.2)
        os.execv(sys.executable, [sys.executable, "check.py", str(n + 1)])
    """, limits=limits, run_id=run_id)
    count = int((wd / "count.txt").read_text()) if (wd / "count.txt").is_file() else 0
    left = sandbox.leftovers(run_id) if isinstance(sandbox, Sweepable) else []
    got = out(wd)
    ok = (result.verdict == "timeout" and result.duration_s < limits.timeout_s + 4
          and count >= 2 and got.get("raised") == [] and not left)
    return verdict(ok, f"{result.verdict} after {result.duration_s} s; relaunched {count} "
                       f"times; limits raised: {got.get('raised')}; containers left: {left}")


@behaviour("resources", "a fast self-kill is an error, not a timeout")
def fast_self_kill_not_timeout(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, _ = run_script(sandbox, tmp, """
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    ok = result.verdict == "error" and result.duration_s < 5
    return verdict(ok, f"{result.verdict} (exit {result.exit_code}) after {result.duration_s} s")



@behaviour("resources", "killing its own watchdog does not free the job")
def watchdog_kill_gains_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"timeout_s": 3})
    run_id = new_run_id()
    result, wd = run_script(sandbox, tmp, """
        import json, os, signal, time
        parent = os.getppid()
        try:
            os.kill(parent, signal.SIGKILL); killed = True
        except OSError:
            killed = False
        json.dump({"parent": open(f"/proc/{parent}/cmdline").read().split("\\0")[0]
                   if os.path.exists(f"/proc/{parent}") else "?", "killed": killed},
                  open("out.json", "w"))
        time.sleep(0.5)
        while True:
            time.sleep(0.1)
    """, limits=limits, run_id=run_id)
    left = sandbox.leftovers(run_id, running_only=True) if isinstance(sandbox, Sweepable) else []
    ok = (result.verdict != "ok" and result.duration_s < limits.timeout_s + 4 and not left)
    return verdict(ok, f"{result.verdict} (exit {result.exit_code}) after {result.duration_s} s;"
                       f" {out(wd)}; still running: {left}")


@behaviour("resources", "filling the disk stops the job (disk_limit), even hidden deep")
def disk_fill_stopped(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"disk_mb": 64, "file_size_mb": 16, "timeout_s": 30})
    result, wd = run_script(sandbox, tmp, """
        import os, time
        top = os.open(".", os.O_RDONLY)
        for _ in range(600):  # hide the fill 600 levels down: paths longer than PATH_MAX
            os.mkdir("hidden-x"); os.chdir("hidden-x")
        chunk = b"\\1" * (8 << 20)
        for i in range(256):  # 2 GB in 8 MB files, each under the file size limit
            with open(f"fill-{i:03d}.bin", "wb") as f:
                f.write(chunk)
            # written over in place, never truncated: a kill between a truncation and the
            # write would leave it empty
            with open(os.open("progress.txt", os.O_WRONLY | os.O_CREAT, 0o644,
                              dir_fd=top), "w") as f:
                f.write(f"{(i + 1) * 8:06d}")
            time.sleep(0.02)
    """, limits=limits)
    progress = wd / "progress.txt"
    written_mb = int(progress.read_text()) if progress.is_file() else -1
    ok = (result.verdict == "disk_limit" and 0 < written_mb < 1024
          and result.duration_s < 15)
    return verdict(ok, f"{result.verdict} after {result.duration_s} s with {written_mb} MB "
                       f"written; {result.detail}")


@behaviour("resources", "/tmp and /dev/shm are small and fill up (ENOSPC)")
def scratch_space_bounded(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"memory_mb": 1024})
    result, wd = run_script(sandbox, tmp, """
        import errno, json, os
        got = {}
        for folder in ("/tmp", "/dev/shm"):
            written, error, names = 0, None, []
            try:  # 16 MB files, each under the file size limit, up to 2 GB in all
                while written < 2 << 30:
                    names.append(os.path.join(folder, f"fill-{len(names)}"))
                    with open(names[-1], "wb") as f:
                        for _ in range(4):
                            f.write(b"\\1" * (4 << 20)); f.flush(); written += 4 << 20
            except OSError as e:
                error = errno.errorcode.get(e.errno)
            for name in names:
                os.remove(name)
            vfs = os.statvfs(folder)
            got[folder] = {"mb": written >> 20, "error": error,
                           "size_mb": vfs.f_blocks * vfs.f_frsize >> 20}
        json.dump(got, open("out.json", "w"))
    """, limits=limits)
    got = out(wd)
    ok = result.ok and len(got) == 2 and all(
        v["error"] == "ENOSPC" and v["mb"] <= v["size_mb"] <= 1024
        for v in got.values())
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("resources", "CPU use is capped at the job's share")
def cpu_is_capped(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"cpus": 0.5})
    result, wd = run_script(sandbox, tmp, """
        import json, multiprocessing, os, resource, time
        def spin(seconds):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                pass
        start = time.monotonic()
        workers = [multiprocessing.Process(target=spin, args=(2.0,)) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        wall = time.monotonic() - start
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        json.dump({"wall": wall, "cpu": used.ru_utime + used.ru_stime}, open("out.json", "w"))
    """, limits=limits)
    got = out(wd)
    share = got.get("cpu", 99) / max(got.get("wall", 1), 0.1)
    ok = result.ok and share <= limits.cpus * 1.3
    return verdict(ok, f"{result.verdict}: {share:.2f} CPUs used of {limits.cpus} allowed; {got}")
