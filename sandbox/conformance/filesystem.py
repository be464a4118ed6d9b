"""Probes of the file system: the read-only root, /tmp, the job folder and its parents, host
paths, and the sandbox's own code; and that the image's software works within all that."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.conformance.core import (
    QUICK,
    REPO_ROOT,
    Outcome,
    behaviour,
    out,
    run_script,
    verdict,
)


@behaviour("filesystem", "the root filesystem is read-only")
def read_only_root(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import json
        root = [l.split()[3] for l in open("/proc/mounts") if l.split()[1] == "/"]
        written = []
        for path in ["/probe", "/etc/probe", "/usr/probe", "/opt/probe", "/var/tmp/probe"]:
            try:
                open(path, "w").write("x"); written.append(path)
            except OSError:
                pass
        json.dump({"root_options": root[-1].split(","), "written": written},
                  open("out.json", "w"))
    """)
    got = out(wd)
    ok = result.ok and "ro" in got.get("root_options", []) and got.get("written") == []
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("filesystem", "programs cannot be executed from /tmp")
def no_exec_from_tmp(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import json, os, shutil, subprocess
        shutil.copy("/bin/true", "/tmp/t"); os.chmod("/tmp/t", 0o755)
        try:
            subprocess.run(["/tmp/t"], check=True); outcome = "ran"
        except PermissionError:
            outcome = "denied"
        json.dump({"exec": outcome}, open("out.json", "w"))
    """)
    got = out(wd)
    return verdict(result.ok and got.get("exec") == "denied", f"{result.verdict}: {got}")


@behaviour("filesystem", "no host path is visible")
def no_host_paths(sandbox: Sandbox, tmp: Path) -> Outcome:
    canary = tmp / f"host-canary-{secrets.token_hex(4)}.txt"
    canary.write_text("host only")
    paths = [str(canary), str(tmp.resolve()), str(REPO_ROOT), str(Path.home() / ".cache"),
             "/work", "/root/.ssh", "/var/lib/docker"]
    result, wd = run_script(sandbox, tmp, """
        import json, os
        paths = json.load(open("paths.json"))
        seen = [p for p in paths if os.path.exists(p)]
        try:
            home = os.listdir("/root")
        except OSError:
            home = []
        json.dump({"seen": seen, "root_home": home, "cwd": os.getcwd()}, open("out.json", "w"))
    """, files={"paths.json": json.dumps(paths)})
    got = out(wd)
    ok = (result.ok and got.get("seen") == [] and got.get("root_home") == []
          and got.get("cwd") != str(wd))
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("filesystem", "writes outside the job folder fail")
def no_writes_outside_workdir(sandbox: Sandbox, tmp: Path) -> Outcome:
    sibling = tmp / f"sibling-{secrets.token_hex(4)}.txt"
    result, wd = run_script(sandbox, tmp, """
        import json, os
        targets = ["/escape.txt", "/etc/escape.txt", "/usr/escape.txt", "/var/escape.txt",
                   "/home/escape.txt", "../escape.txt", open("sibling.txt").read()]
        written = []
        for t in targets:
            try:
                open(t, "w").write("escaped"); written.append(t)
            except OSError:
                pass
        open("inside.txt", "w").write("inside")
        json.dump({"written": written}, open("out.json", "w"))
    """, files={"sibling.txt": str(sibling)})
    got = out(wd)
    ok = (result.ok and got.get("written") == [] and not sibling.exists()
          and not (tmp / "escape.txt").exists() and (wd / "inside.txt").is_file())
    return verdict(ok, f"{result.verdict}: {got}; host sibling exists: {sibling.exists()}")


@behaviour("filesystem", "numpy, scipy, sklearn, torch and matplotlib work")
def scientific_stack_works(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"memory_mb": 1024, "timeout_s": 60})
    result, wd = run_script(sandbox, tmp, """
        import json
        import matplotlib.pyplot as plt
        import numpy, scipy, sklearn, torch
        x = torch.linspace(0, 1, 50)
        plt.plot(x.numpy(), numpy.sin(x.numpy())); plt.savefig("plot.png")
        json.dump({m.__name__: m.__version__ for m in (numpy, scipy, sklearn, torch)},
                  open("out.json", "w"))
    """, limits=limits, expected=("plot.png",))
    png = wd / "plot.png"
    ok = result.ok and png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
    return verdict(ok, f"{result.verdict}: {out(wd) or result.stderr_tail[-300:]}")



@behaviour("filesystem", "the job folder is a dead end: no way up, out or into the host")
def job_folder_is_a_dead_end(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import ctypes, errno, json, os, platform, struct
        libc = ctypes.CDLL(None, use_errno=True)
        up = os.path.realpath(os.path.join(os.getcwd(), *[".."] * 12))
        written = []
        for path in ["../escape.txt", "../../escape.txt", "/etc/hosts", "/etc/hostname",
                     "/etc/resolv.conf", "/proc/self/cwd/../escape.txt"]:
            try:
                open(path, "a").write("x"); written.append(path)
            except OSError:
                pass
        try:
            os.chown(".", 0, 0); chowned = True
        except OSError:
            chowned = False
        # "Shocker": open the host file system's root inode (2) by handle, around the volume.
        handle = ctypes.create_string_buffer(struct.pack("IiQ", 8, 1, 2), 16)
        number = {"x86_64": 304, "aarch64": 265}.get(platform.machine(), -1)
        fd = os.open(".", os.O_RDONLY)
        ctypes.set_errno(0)
        rc = libc.syscall(ctypes.c_long(number), ctypes.c_long(fd), handle, ctypes.c_long(0))
        by_handle = "opened" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
        mounts = [l.split()[4] for l in open("/proc/self/mountinfo")
                  if l.split()[4].startswith("/job")]
        json.dump({"up": up, "written": written, "chowned": chowned, "by_handle": by_handle,
                   "job_mounts": mounts, "cwd": os.getcwd()}, open("out.json", "w"))
    """)
    got = out(wd)
    ok = (result.ok and got.get("up") == "/" and got.get("written") == []
          and got.get("chowned") is False and got.get("by_handle") == "EPERM"
          and got.get("job_mounts") == [got.get("cwd")] and not (tmp / "escape.txt").exists())
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("filesystem", "the sandbox's own code (python, watchdog, init) cannot be changed")
def sandbox_code_immutable(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import json, os, shutil, sys, sysconfig
        import numpy
        targets = [sys.executable, os.path.realpath(sys.executable), numpy.__file__,
                   os.__file__, shutil.which("timeout"), "/sbin/docker-init",
                   "/usr/sbin/docker-init", "/bin/sh", "/etc/passwd"]
        targets = [t for t in dict.fromkeys(targets) if t and os.path.exists(t)]
        changed = []
        for path in targets:
            try:
                open(path, "ab").close(); changed.append(f"open:{path}")
            except OSError:
                pass
            try:
                os.chmod(path, 0o777); changed.append(f"chmod:{path}")
            except OSError:
                pass
        site = sysconfig.get_paths()["purelib"]
        try:
            open(os.path.join(site, "sitecustomize.py"), "w").write("x"); changed.append(site)
        except OSError:
            pass
        json.dump({"targets": targets, "changed": changed}, open("out.json", "w"))
    """)
    got = out(wd)
    ok = result.ok and len(got.get("targets", [])) >= 5 and got.get("changed") == []
    return verdict(ok, f"{result.verdict}: {got}")
