"""What every sandbox backend must do: one list of named behaviours, each a small check.

A check runs real jobs through a ``Sandbox`` and returns pass or fail with a detail a user
can act on. ``aisci sandbox check`` prints them as a table; ``tests/sandbox`` runs each one as
its own test against the real engine.

    >>> from sandbox.conformance import BEHAVIOURS, run_all
    >>> for result in run_all(DockerSandbox()):
    ...     print(result.name, result.status, result.detail)
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from pydantic import BaseModel

from sandbox.base import Limits, Sandbox, SandboxError, SandboxJob, SandboxResult

REPO_ROOT = Path(__file__).resolve().parents[1]
QUICK = Limits(timeout_s=20, memory_mb=512, cpus=1, pids=64, output_bytes=1_000_000,
               file_size_mb=64)
CANARY_KEY = "sk-aisci-conformance-canary-0000"

Status = Literal["pass", "fail", "skip"]


class Outcome(NamedTuple):
    status: Status
    detail: str


class CheckResult(BaseModel):
    """One behaviour's outcome on one backend."""

    name: str
    summary: str
    status: Status
    detail: str
    duration_s: float


@runtime_checkable
class Sweepable(Protocol):
    """Backends whose jobs outlive a process (containers) and can be listed and swept."""

    def leftovers(self, run_id: str, *, running_only: bool = False) -> list[str]: ...

    def cleanup(self, run_id: str | None = None, *, stale_only: bool = False) -> Any: ...


Check = Callable[[Sandbox, Path], Outcome]


class Behaviour(NamedTuple):
    name: str
    summary: str
    check: Check


BEHAVIOURS: list[Behaviour] = []


def _behaviour(summary: str) -> Callable[[Check], Check]:
    """Register a check under its function's name, in definition order."""

    def register(check: Check) -> Check:
        BEHAVIOURS.append(Behaviour(check.__name__, summary, check))
        return check

    return register


def run_behaviour(behaviour: Behaviour, sandbox: Sandbox, tmp: Path) -> CheckResult:
    """Run one check; an infrastructure error is a failure with its message as the detail."""
    start = time.monotonic()
    try:
        outcome = behaviour.check(sandbox, tmp)
    except SandboxError as exc:
        outcome = Outcome("fail", f"{type(exc).__name__}: {exc}")
    return CheckResult(name=behaviour.name, summary=behaviour.summary, status=outcome.status,
                       detail=outcome.detail, duration_s=round(time.monotonic() - start, 2))


def run_all(sandbox: Sandbox, names: list[str] | None = None) -> Iterator[CheckResult]:
    """Every behaviour (or those named), each in its own temporary folder."""
    for behaviour in BEHAVIOURS:
        if names and behaviour.name not in names:
            continue
        with tempfile.TemporaryDirectory(prefix="aisci-check-") as tmp:
            yield run_behaviour(behaviour, sandbox, Path(tmp))


# --- helpers --------------------------------------------------------------------------------

def _verdict(ok: bool, detail: str) -> Outcome:
    return Outcome("pass" if ok else "fail", detail)


def _run(sandbox: Sandbox, tmp: Path, script: str, *, limits: Limits = QUICK,
         env: dict[str, str] | None = None, expected: tuple[str, ...] = (),
         files: dict[str, str | bytes] | None = None,
         run_id: str | None = None) -> tuple[SandboxResult, Path]:
    """Run ``script`` as check.py in a fresh folder; returns the result and the folder."""
    workdir = Path(tempfile.mkdtemp(dir=tmp, prefix="job-"))
    (workdir / "check.py").write_text(textwrap.dedent(script))
    for name, content in (files or {}).items():
        path = workdir / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    job = SandboxJob(workdir=workdir, command=["python", "check.py"], limits=limits,
                     env=env or {}, expected_files=list(expected),
                     labels={"run_id": run_id or _run_id(), "idea": "conformance"})
    return sandbox.run(job), workdir


def _run_id() -> str:
    return f"conformance-{secrets.token_hex(4)}"


def _out(workdir: Path) -> dict[str, Any]:
    path = workdir / "out.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _marker_processes(marker: str) -> list[int]:
    """Host processes whose command line carries ``marker`` (container processes included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def _no_marker_left(marker: str, wait_s: float = 3.0) -> list[int]:
    deadline = time.monotonic() + wait_s
    while (alive := _marker_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _host_addresses() -> list[str]:
    """The host's own address, its default gateway and Docker's bridge: none may be reachable."""
    addresses = {"172.17.0.1"}
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("1.1.1.1", 53))  # UDP: picks the route, sends nothing
        addresses.add(s.getsockname()[0])
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/route").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == "00000000":
                addresses.add(socket.inet_ntoa(int(fields[2], 16).to_bytes(4, "little")))
    return sorted(addresses)


# --- the behaviours -------------------------------------------------------------------------

@_behaviour("runs as non-root with no capabilities")
def non_root_no_capabilities(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = _run(sandbox, tmp, """
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
    out = _out(wd)
    ok = (result.ok and out.get("uid", 0) != 0 and out.get("euid", 0) != 0
          and not any(out.get("caps", {"?": 1}).values()) and out.get("no_new_privs") == "1"
          and out.get("became_root") is False)
    return _verdict(ok, f"{result.verdict}: {out}")


@_behaviour("no network: public hosts, host and gateway unreachable")
def no_network(sandbox: Sandbox, tmp: Path) -> Outcome:
    targets = [["1.1.1.1", 53], ["8.8.8.8", 443]] + [[a, 80] for a in _host_addresses()]
    result, wd = _run(sandbox, tmp, """
        import json, os, socket
        reached, errors = [], {}
        for host, port in json.load(open("targets.json")):
            try:
                socket.create_connection((host, port), timeout=2).close(); reached.append(host)
            except OSError as e:
                errors[f"{host}:{port}"] = e.strerror or type(e).__name__
        try:
            socket.getaddrinfo("pypi.org", 443); dns = True
        except OSError:
            dns = False
        json.dump({"reached": reached, "errors": errors, "dns": dns,
                   "interfaces": sorted(os.listdir("/sys/class/net"))}, open("out.json", "w"))
    """, files={"targets.json": json.dumps(targets)})
    out = _out(wd)
    ok = (result.ok and out.get("reached") == [] and out.get("dns") is False
          and len(out.get("errors", {})) == len(targets) and out.get("interfaces") == ["lo"])
    return _verdict(ok, f"{result.verdict}: {out}")


@_behaviour("the root filesystem is read-only")
def read_only_root(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = _run(sandbox, tmp, """
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
    out = _out(wd)
    ok = result.ok and "ro" in out.get("root_options", []) and out.get("written") == []
    return _verdict(ok, f"{result.verdict}: {out}")


@_behaviour("programs cannot be executed from /tmp")
def no_exec_from_tmp(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = _run(sandbox, tmp, """
        import json, os, shutil, subprocess
        shutil.copy("/bin/true", "/tmp/t"); os.chmod("/tmp/t", 0o755)
        try:
            subprocess.run(["/tmp/t"], check=True); outcome = "ran"
        except PermissionError:
            outcome = "denied"
        json.dump({"exec": outcome}, open("out.json", "w"))
    """)
    out = _out(wd)
    return _verdict(result.ok and out.get("exec") == "denied", f"{result.verdict}: {out}")


@_behaviour("a fork bomb hits the process limit")
def fork_bomb_bounded(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"timeout_s": 4, "pids": 64})
    result, wd = _run(sandbox, tmp, """
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
    out = _out(wd)
    start = time.monotonic()
    host_ok = subprocess.run(["true"], timeout=5).returncode == 0 and time.monotonic() - start < 2
    ok = (host_ok and result.verdict != "ok" and out.get("error") == errno.EAGAIN
          and 0 < out.get("procs", 10**6) <= limits.pids)
    return _verdict(ok, f"{result.verdict}; host ok: {host_ok}; {out}")


@_behaviour("a memory hog is killed and reported as oom")
def memory_hog_oom(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"memory_mb": 128})
    result, _ = _run(sandbox, tmp, """
        hog = []
        while True:
            hog.append(b"x" * (16 << 20))
    """, limits=limits)
    return _verdict(result.verdict == "oom", f"{result.verdict}: {result.detail}")


@_behaviour("a timeout kills the job and its children")
def timeout_kills_children(sandbox: Sandbox, tmp: Path) -> Outcome:
    marker = f"aisci-marker-{secrets.token_hex(6)}"
    limits = QUICK.model_copy(update={"timeout_s": 3})
    result, wd = _run(sandbox, tmp, """
        import json, subprocess, sys
        marker = open("marker.txt").read()
        loop = "while True: pass"
        kids = [subprocess.Popen([sys.executable, "-c", loop, marker]),
                subprocess.Popen([sys.executable, "-c", loop, marker], start_new_session=True)]
        json.dump({"children": [k.pid for k in kids]}, open("out.json", "w"))
        while True:
            pass
    """, limits=limits, files={"marker.txt": marker})
    alive = _no_marker_left(marker)
    children = len(_out(wd).get("children", []))
    ok = (result.verdict == "timeout" and result.duration_s < limits.timeout_s + 4
          and children == 2 and not alive)
    return _verdict(ok, f"{result.verdict} after {result.duration_s} s; children started: "
                        f"{children}; still alive on host: {alive}")


@_behaviour("200 MB of stdout is cut (output_limit)")
def output_flood_cut(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, _ = _run(sandbox, tmp, """
        import sys
        line = "x" * 1_000_000 + "\\n"
        for _ in range(200):
            sys.stdout.write(line)
    """)
    kept = len(result.stdout_tail)
    ok = result.verdict == "output_limit" and result.duration_s < 10 and kept < 20_000
    return _verdict(ok, f"{result.verdict} after {result.duration_s} s; {kept} chars kept")


@_behaviour("a 2 GB file write is stopped")
def file_size_bomb_stopped(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"file_size_mb": 16})
    result, wd = _run(sandbox, tmp, """
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
    out = _out(wd)
    ok = out.get("error") == errno.EFBIG and size <= limits.file_size_mb * 2**20
    return _verdict(ok, f"{result.verdict}; file on host: {size} bytes; {out}")


@_behaviour("no API key reaches the job")
def no_api_keys(sandbox: Sandbox, tmp: Path) -> Outcome:
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = CANARY_KEY
    try:
        result, wd = _run(sandbox, tmp, """
            import json, os
            json.dump(dict(os.environ), open("out.json", "w"))
        """, env={"OPENAI_API_KEY": CANARY_KEY, "ANTHROPIC_API_KEY": CANARY_KEY,
                  "AISCI_SEED": "7"})
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous
    env = _out(wd)
    secretish = [k for k in env if any(w in k.upper() for w in ("KEY", "TOKEN", "SECRET"))]
    leaked = [k for k, v in env.items() if CANARY_KEY in v]
    ok = result.ok and bool(env) and not secretish and not leaked and env.get("AISCI_SEED") == "7"
    return _verdict(ok, f"{result.verdict}; secret-like names: {secretish}; leaked: {leaked}; "
                        f"names: {sorted(env)}")


@_behaviour("no Docker (or containerd) socket inside")
def no_docker_socket(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = _run(sandbox, tmp, """
        import glob, json, os
        found = [p for p in ["/var/run/docker.sock", "/run/docker.sock",
                             "/run/containerd/containerd.sock"] if os.path.exists(p)]
        found += glob.glob("/run/**/*.sock", recursive=True)
        found += glob.glob("/var/run/**/*.sock", recursive=True)
        json.dump({"sockets": found, "DOCKER_HOST": os.environ.get("DOCKER_HOST")},
                  open("out.json", "w"))
    """)
    out = _out(wd)
    ok = result.ok and out.get("sockets") == [] and out.get("DOCKER_HOST") is None
    return _verdict(ok, f"{result.verdict}: {out}")


@_behaviour("no host path is visible")
def no_host_paths(sandbox: Sandbox, tmp: Path) -> Outcome:
    canary = tmp / f"host-canary-{secrets.token_hex(4)}.txt"
    canary.write_text("host only")
    paths = [str(canary), str(tmp.resolve()), str(REPO_ROOT), str(Path.home() / ".cache"),
             "/work", "/root/.ssh", "/var/lib/docker"]
    result, wd = _run(sandbox, tmp, """
        import json, os
        paths = json.load(open("paths.json"))
        seen = [p for p in paths if os.path.exists(p)]
        try:
            home = os.listdir("/root")
        except OSError:
            home = []
        json.dump({"seen": seen, "root_home": home, "cwd": os.getcwd()}, open("out.json", "w"))
    """, files={"paths.json": json.dumps(paths)})
    out = _out(wd)
    ok = (result.ok and out.get("seen") == [] and out.get("root_home") == []
          and out.get("cwd") != str(wd))
    return _verdict(ok, f"{result.verdict}: {out}")


@_behaviour("writes outside the job folder fail")
def no_writes_outside_workdir(sandbox: Sandbox, tmp: Path) -> Outcome:
    sibling = tmp / f"sibling-{secrets.token_hex(4)}.txt"
    result, wd = _run(sandbox, tmp, """
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
    out = _out(wd)
    ok = (result.ok and out.get("written") == [] and not sibling.exists()
          and not (tmp / "escape.txt").exists() and (wd / "inside.txt").is_file())
    return _verdict(ok, f"{result.verdict}: {out}; host sibling exists: {sibling.exists()}")


@_behaviour("re-exec and raising limits do not beat the timeout")
def relaunch_gains_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"timeout_s": 3})
    run_id = _run_id()
    result, wd = _run(sandbox, tmp, """
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
    out = _out(wd)
    ok = (result.verdict == "timeout" and result.duration_s < limits.timeout_s + 4
          and count >= 2 and out.get("raised") == [] and not left)
    return _verdict(ok, f"{result.verdict} after {result.duration_s} s; relaunched {count} "
                        f"times; limits raised: {out.get('raised')}; containers left: {left}")


@_behaviour("a detached (setsid) child dies with the job")
def detached_child_dies(sandbox: Sandbox, tmp: Path) -> Outcome:
    marker = f"aisci-marker-{secrets.token_hex(6)}"
    result, _ = _run(sandbox, tmp, """
        import os, subprocess, sys
        marker = open("marker.txt").read()
        loop = "import time\\nwhile True: time.sleep(0.1)"
        subprocess.Popen([sys.executable, "-c", loop, marker], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.fork() == 0:  # the classic daemon: fork, setsid, fork again
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", loop, marker])
            os._exit(0)
    """, files={"marker.txt": marker})
    alive = _no_marker_left(marker)
    ok = result.ok and result.duration_s < 5 and not alive
    return _verdict(ok, f"{result.verdict} after {result.duration_s} s; detached processes "
                        f"alive on host: {alive}")


@_behaviour("a fast self-kill is an error, not a timeout")
def fast_self_kill_not_timeout(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, _ = _run(sandbox, tmp, """
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    ok = result.verdict == "error" and result.duration_s < 5
    return _verdict(ok, f"{result.verdict} (exit {result.exit_code}) after {result.duration_s} s")


def _host_process_dies(sandbox: Sandbox, tmp: Path, sig: signal.Signals) -> Outcome:
    if not isinstance(sandbox, Sweepable):
        return Outcome("skip", "the backend keeps no state outside the host process")
    run_id = _run_id()
    workdir = Path(tempfile.mkdtemp(dir=tmp, prefix="job-"))
    (workdir / "check.py").write_text("import time\ntime.sleep(60)\n")
    spec = {"sandbox": sandbox.describe(), "workdir": str(workdir), "run_id": run_id,
            "timeout_s": 2 if sig == signal.SIGKILL else 30}
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "sandbox.conformance", json.dumps(spec)],
                             cwd=REPO_ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 8
        while not sandbox.leftovers(run_id, running_only=True) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not sandbox.leftovers(run_id, running_only=True):
            return Outcome("fail", "the job's container never started")
        child.send_signal(sig)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    if sig == signal.SIGINT:
        left = sandbox.leftovers(run_id)
        return _verdict(not left, f"containers left after Ctrl-C: {left}")
    # SIGKILL: nothing in the host process ran. The in-container watchdog must end the job by
    # itself, and a stale-only sweep (what a new run does at start) must remove it.
    deadline = time.monotonic() + 8
    while sandbox.leftovers(run_id, running_only=True) and time.monotonic() < deadline:
        time.sleep(0.2)
    ended = not sandbox.leftovers(run_id, running_only=True)
    sandbox.cleanup(run_id, stale_only=True)
    left = sandbox.leftovers(run_id)
    return _verdict(ended and not left, f"job ended by itself: {ended}; left after sweep: {left}")


@_behaviour("Ctrl-C of the host process leaves no container")
def interrupt_leaves_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    return _host_process_dies(sandbox, tmp, signal.SIGINT)


@_behaviour("after a host crash the job ends and a sweep removes it")
def crash_leaves_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    return _host_process_dies(sandbox, tmp, signal.SIGKILL)


@_behaviour("files the job writes come back intact")
def results_intact(sandbox: Sandbox, tmp: Path) -> Outcome:
    seed = secrets.token_hex(8)
    payload = secrets.token_bytes(1 << 20)
    expected = hashlib.sha256(seed.encode() * 100_000).hexdigest()
    result, wd = _run(sandbox, tmp, """
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
    return _verdict(ok, f"{result.verdict}; result hash matches: {got == expected}; {info}")


@_behaviour("planted symlinks and fifos never escape the folder")
def planted_links_stay_inside(sandbox: Sandbox, tmp: Path) -> Outcome:
    result, wd = _run(sandbox, tmp, """
        import os
        open("real.txt", "w").write("real")
        os.symlink("/etc/passwd", "abs_link")
        os.symlink("../../../../../../etc/passwd", "up_link")
        os.symlink("real.txt", "ok_link")
        os.mkfifo("fifo")
    """)
    root = wd.resolve()
    escaping = [p.name for p in wd.rglob("*") if p.is_symlink()
                and not p.resolve().is_relative_to(root)]
    specials = [p.name for p in wd.rglob("*") if p.exists() and not (p.is_file() or p.is_dir())]
    ok = result.ok and not escaping and not specials and (wd / "real.txt").is_file()
    return _verdict(ok, f"{result.verdict}; escaping links: {escaping}; special files: "
                        f"{specials}; {result.detail}")


@_behaviour("exit codes and missing results are reported")
def verdicts_reported(sandbox: Sandbox, tmp: Path) -> Outcome:
    failed, _ = _run(sandbox, tmp, "import sys\nsys.exit(3)\n")
    missing, _ = _run(sandbox, tmp, "print('no results')\n", expected=("final_info.json",))
    ok = (failed.verdict == "error" and failed.exit_code == 3
          and missing.verdict == "missing_results")
    return _verdict(ok, f"exit 3 -> {failed.verdict} ({failed.exit_code}); "
                        f"no final_info.json -> {missing.verdict}")


@_behaviour("numpy, scipy, sklearn, torch and matplotlib work")
def scientific_stack_works(sandbox: Sandbox, tmp: Path) -> Outcome:
    limits = QUICK.model_copy(update={"memory_mb": 1024, "timeout_s": 60})
    result, wd = _run(sandbox, tmp, """
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
    return _verdict(ok, f"{result.verdict}: {_out(wd) or result.stderr_tail[-300:]}")




def _sandbox_from_description(description: dict[str, str]) -> Sandbox:
    if description.get("backend") == "docker":
        from sandbox.docker import DockerSandbox

        return DockerSandbox(image=description["image"])
    from sandbox.local import LocalSandbox

    return LocalSandbox(python=description.get("python"))


def _child_main(spec_json: str) -> None:
    """The host process the interrupt/crash checks kill: it runs one long job."""
    spec = json.loads(spec_json)
    sandbox = _sandbox_from_description(spec["sandbox"])
    limits = QUICK.model_copy(update={"timeout_s": spec["timeout_s"]})
    sandbox.run(SandboxJob(workdir=Path(spec["workdir"]), command=["python", "check.py"],
                           limits=limits, labels={"run_id": spec["run_id"], "idea": "child"}))


if __name__ == "__main__":
    _child_main(sys.argv[1])
