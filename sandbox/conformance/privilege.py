"""Probes of privilege: users and capabilities, kernel interfaces, mounts, namespaces,
cgroups, seccomp, devices, network and secrets. Each makes the attempt an attacker would."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.conformance.core import (
    CANARY_KEY,
    QUICK,
    Outcome,
    behaviour,
    brief,
    out,
    run_script,
    verdict,
)

#: ctypes' raw syscall() from inside a job: (name, number on x86_64, number on aarch64, args).
#: Each is either refused by Docker's seccomp profile or needs a dropped capability.
_SYSCALLS = """
import ctypes, errno, json, os, platform
libc = ctypes.CDLL(None, use_errno=True)
ARCH = {"x86_64": 0, "aarch64": 1}.get(platform.machine())
def attempt(numbers, *args):
    if ARCH is None:
        return "unknown-arch"
    ctypes.set_errno(0)
    rc = libc.syscall(ctypes.c_long(numbers[ARCH]), *[ctypes.c_long(a) for a in args])
    return "allowed" if rc >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
"""


@behaviour("privilege", "runs as non-root with no capabilities")
def non_root_no_capabilities(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import json, os
        status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
        caps = {k: int(status[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
        try:
            os.setuid(0); became_root = True
        except PermissionError:
            became_root = False
        json.dump({"uid": os.getuid(), "euid": os.geteuid(), "caps": caps,
                   "no_new_privs": status.get("NoNewPrivs", "").strip(),
                   "became_root": became_root}, open("out.json", "w"))
    """)
    got = out(wd)
    ok = (result.ok and got.get("uid", 0) != 0 and got.get("euid", 0) != 0
          and not any(got.get("caps", {"?": 1}).values()) and got.get("no_new_privs") == "1"
          and got.get("became_root") is False)
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "no network: only loopback, no route, raw sockets refused")
def no_network(sandbox: Sandbox, tmp: Path) -> Outcome:
    # Nothing here sends a packet: interfaces and routes are read, and a UDP connect() only
    # looks a route up.
    result, wd = run_script(sandbox, tmp, """
        import json, os, socket
        dev = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
        routes = open("/proc/net/route").read().splitlines()[1:]
        routes6 = [l for l in open("/proc/net/ipv6_route").read().splitlines()
                   if l.split()[-1] != "lo"] if os.path.exists("/proc/net/ipv6_route") else []
        lookups = {}
        for family, host in ((socket.AF_INET, "1.1.1.1"), (socket.AF_INET6, "2606:4700::1111")):
            s = socket.socket(family, socket.SOCK_DGRAM)
            try:
                s.connect((host, 53)); lookups[host] = "route"
            except OSError as e:
                lookups[host] = e.strerror
            s.close()
        raw = {}
        for name, args in {"packet": (socket.AF_PACKET, socket.SOCK_RAW, 0),
                           "icmp": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)}.items():
            try:
                socket.socket(*args).close(); raw[name] = "opened"
            except PermissionError:
                raw[name] = "denied"
        json.dump({"dev": dev, "sys": sorted(os.listdir("/sys/class/net")), "routes": routes,
                   "routes6": routes6, "lookups": lookups, "raw": raw}, open("out.json", "w"))
    """)
    got = out(wd)
    ok = (result.ok and got.get("dev") == ["lo"] and got.get("sys") == ["lo"]
          and got.get("routes") == [] and got.get("routes6") == []
          and "route" not in got.get("lookups", {"?": "route"}).values()
          and set(got.get("raw", {}).values()) == {"denied"})
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "no Docker (or containerd) socket inside")
def no_docker_socket(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import glob, json, os
        found = [p for p in ["/var/run/docker.sock", "/run/docker.sock",
                             "/run/containerd/containerd.sock"] if os.path.exists(p)]
        found += glob.glob("/run/**/*.sock", recursive=True)
        found += glob.glob("/var/run/**/*.sock", recursive=True)
        json.dump({"sockets": found, "DOCKER_HOST": os.environ.get("DOCKER_HOST")},
                  open("out.json", "w"))
    """)
    got = out(wd)
    ok = result.ok and got.get("sockets") == [] and got.get("DOCKER_HOST") is None
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "no API key reaches the job")
def no_api_keys(sandbox: Sandbox, tmp: Path) -> Outcome:
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = CANARY_KEY
    try:
        result, wd = run_script(sandbox, tmp, """
            import json, os
            json.dump(dict(os.environ), open("out.json", "w"))
        """, env={"OPENAI_API_KEY": CANARY_KEY, "ANTHROPIC_API_KEY": CANARY_KEY,
                  "AISCI_SEED": "7"})
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous
    env = out(wd)
    secretish = [k for k in env if any(w in k.upper() for w in ("KEY", "TOKEN", "SECRET"))]
    leaked = [k for k, v in env.items() if CANARY_KEY in v]
    ok = result.ok and bool(env) and not secretish and not leaked and env.get("AISCI_SEED") == "7"
    return verdict(ok, f"{result.verdict}; secret-like names: {secretish}; leaked: {leaked}; "
                       f"names: {sorted(env)}")


@behaviour("privilege", "kernel interfaces in /proc and /sys refuse writes and hide secrets")
def kernel_interfaces_locked(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import json, os
        written = []
        for path in ["/proc/sysrq-trigger", "/proc/sys/kernel/core_pattern",
                     "/proc/sys/kernel/modprobe", "/proc/sys/vm/drop_caches",
                     "/sys/kernel/uevent_helper", "/sys/kernel/mm/transparent_hugepage/enabled",
                     "/proc/self/oom_score_adj"]:
            try:
                with open(path, "w") as f:
                    f.write("-1000\\n" if "oom" in path else "|/tmp/x\\n")
                written.append(path)
            except OSError:
                pass
        def read(path):
            try:
                with open(path, "rb") as f:
                    return f.read(1 << 16)
            except OSError:
                return b""
        symbols = read("/proc/kallsyms").splitlines()[:200]
        exposed = [l.decode() for l in symbols if l.split()[0].strip(b"0")]
        firmware = os.listdir("/sys/firmware") if os.path.isdir("/sys/firmware") else []
        json.dump({"written": written, "kcore": len(read("/proc/kcore")),
                   "keys": len(read("/proc/keys")), "kallsyms_addresses": exposed[:3],
                   "firmware": firmware, "kmsg": os.path.exists("/dev/kmsg")},
                  open("out.json", "w"))
    """)
    got = out(wd)
    ok = (result.ok and got.get("written") == [] and got.get("kcore") == 0
          and got.get("keys") == 0 and got.get("kallsyms_addresses") == []
          and got.get("firmware") == [] and got.get("kmsg") is False)
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "mount, umount, pivot_root and chroot are refused")
def no_mounts(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, _SYSCALLS + """
os.makedirs("/tmp/m", exist_ok=True)
m = lambda *a: libc.mount(*[x.encode() if isinstance(x, str) else x for x in a])
def call(fn):
    ctypes.set_errno(0)
    return "allowed" if fn() == 0 else errno.errorcode.get(ctypes.get_errno(), "?")
got = {
    "tmpfs": call(lambda: m("none", "/tmp/m", "tmpfs", 0, None)),
    "proc": call(lambda: m("proc", "/tmp/m", "proc", 0, None)),
    "bind_job": call(lambda: m("/job", "/tmp/m", None, 4096, None)),  # MS_BIND
    "remount_root_rw": call(lambda: m(None, "/", None, 32, None)),  # MS_REMOUNT
    "umount_proc": call(lambda: libc.umount2(b"/proc/sys", 2)),  # MNT_DETACH
    "chroot": call(lambda: libc.chroot(b"/tmp")),
    "pivot_root": attempt((155, 41), 0, 0),
}
json.dump(got, open("out.json", "w"))
""")
    got = out(wd)
    ok = result.ok and len(got) == 7 and set(got.values()) <= {"EPERM", "EACCES"}
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "new namespaces (unshare, setns) are refused")
def no_namespaces(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, _SYSCALLS + """
flags = {"user": 0x10000000, "mount": 0x00020000, "net": 0x40000000, "pid": 0x20000000,
         "uts": 0x04000000, "ipc": 0x08000000, "cgroup": 0x02000000}
got = {}
for name, flag in flags.items():
    ctypes.set_errno(0)
    got[name] = "allowed" if libc.unshare(flag) == 0 else errno.errorcode[ctypes.get_errno()]
for ns in ("net", "mnt", "pid", "user"):
    fd = os.open(f"/proc/1/ns/{ns}", os.O_RDONLY)
    ctypes.set_errno(0)
    got[f"setns_{ns}"] = ("allowed" if libc.setns(fd, 0) == 0
                          else errno.errorcode[ctypes.get_errno()])
    os.close(fd)
json.dump(got, open("out.json", "w"))
""")
    got = out(wd)
    ok = result.ok and len(got) == 11 and set(got.values()) <= {"EPERM", "EINVAL"} \
        and all(got[k] == "EPERM" for k in ("user", "mount", "net", "pid"))
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "cgroups are read-only and hold the job's own limits")
def cgroups_read_only(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import glob, json, os
        names = ("release_agent", "notify_on_release", "cgroup.procs", "tasks", "pids.max",
                 "memory.limit_in_bytes", "memory.max", "cpu.cfs_quota_us", "cpu.max",
                 "cgroup.subtree_control", "devices.allow")
        written, tried = [], 0
        for path in glob.glob("/sys/fs/cgroup/**", recursive=True):
            if os.path.basename(path) in names:
                tried += 1
                try:
                    open(path, "w").write("1\\n"); written.append(path)
                except OSError:
                    pass
        try:
            os.mkdir("/sys/fs/cgroup/memory/escape"); made = True
        except OSError:
            made = False
        limit = None
        for path in ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"):
            if os.path.exists(path):
                limit = open(path).read().strip()
        json.dump({"tried": tried, "written": written, "mkdir": made, "memory": limit},
                  open("out.json", "w"))
    """)
    got = out(wd)
    ok = (result.ok and got.get("tried", 0) > 0 and got.get("written") == []
          and got.get("mkdir") is False and got.get("memory") == str(QUICK.memory_mb << 20))
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "seccomp refuses keyrings, bpf, perf, userfaultfd, kexec, modules")
def seccomp_filtering(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, _SYSCALLS + """
mode = [l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp:")]
got = {
    "keyctl": attempt((250, 219), 0, -3, 0),  # KEYCTL_GET_KEYRING_ID of the session keyring
    "add_key": attempt((248, 217), 0, 0, 0, 0, -3),
    "request_key": attempt((249, 218), 0, 0, 0, 0),
    "bpf": attempt((321, 280), 0, 0, 0),
    "perf_event_open": attempt((298, 241), 0, 0, -1, -1, 0),
    "userfaultfd": attempt((323, 282), 0),
    "kexec_load": attempt((246, 104), 0, 0, 0, 0),
    "init_module": attempt((175, 105), 0, 0, 0),
    "open_by_handle_at": attempt((304, 265), -100, 0, 0),
    "swapon": attempt((167, 224), 0, 0),
    "reboot": attempt((169, 142), 0, 0, 0, 0),
}
json.dump({"mode": mode[0] if mode else None, "calls": got}, open("out.json", "w"))
""")
    got = out(wd)
    calls = got.get("calls", {})
    ok = result.ok and got.get("mode") == "2" and len(calls) == 11 \
        and set(calls.values()) == {"EPERM"}
    return verdict(ok, f"{result.verdict}: {got}")


@behaviour("privilege", "/dev holds only harmless devices and mknod is refused")
def no_devices(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = run_script(sandbox, tmp, """
        import json, os, stat
        chars, blocks = [], []
        for root, dirs, files in os.walk("/dev"):
            for name in dirs + files:
                mode = os.lstat(os.path.join(root, name)).st_mode
                if stat.S_ISCHR(mode):
                    chars.append(os.path.join(root, name))
                elif stat.S_ISBLK(mode):
                    blocks.append(os.path.join(root, name))
        made = {}
        for name, kind, dev in (("mem", stat.S_IFCHR, (1, 1)), ("disk", stat.S_IFBLK, (8, 0))):
            try:
                os.mknod(name, kind | 0o600, os.makedev(*dev)); made[name] = "made"
            except OSError as e:
                made[name] = e.errno
        json.dump({"chars": sorted(chars), "blocks": blocks, "mknod": made},
                  open("out.json", "w"))
    """)
    got = out(wd)
    harmless = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                "/dev/tty", "/dev/console", "/dev/ptmx", "/dev/pts/ptmx"}
    ok = (result.ok and set(got.get("chars", ["?"])) <= harmless and got.get("blocks") == []
          and set(got.get("mknod", {}).values()) == {errno.EPERM})
    return verdict(ok, f"{result.verdict}: {brief(got)}")
