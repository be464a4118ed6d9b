"""Probes of persistence: nothing a job starts or writes outlives it, neither on the host nor
into the next job (processes, /tmp, /dev/shm, containers, volumes), even when the host
process is interrupted or killed."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.conformance.core import (
    REPO_ROOT,
    Outcome,
    Sweepable,
    behaviour,
    new_run_id,
    no_marker_left,
    out,
    run_script,
    verdict,
)


@behaviour("persistence", "a detached (setsid) child dies with the job")
def detached_child_dies(sandbox: Sandbox, tmp: Path) -> Outcome:
    marker = f"aisci-marker-{secrets.token_hex(6)}"
    result, _ = run_script(sandbox, tmp, """
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
    alive = no_marker_left(marker)
    ok = result.ok and result.duration_s < 5 and not alive
    return verdict(ok, f"{result.verdict} after {result.duration_s} s; detached processes "
                       f"alive on host: {alive}")


#: How long the host process may take to exit after the signal (it removes its container).
EXIT_S = 30


def _host_process_dies(sandbox: Sandbox, tmp: Path, sig: signal.Signals) -> Outcome:
    if not isinstance(sandbox, Sweepable):
        return Outcome("skip", "the backend keeps no state outside the host process")
    run_id = new_run_id()
    workdir = Path(tempfile.mkdtemp(dir=tmp, prefix="job-"))
    (workdir / "check.py").write_text("import time\ntime.sleep(60)\n")
    spec = {"sandbox": sandbox.describe(), "workdir": str(workdir), "run_id": run_id,
            "timeout_s": 2 if sig == signal.SIGKILL else 30}
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    errors = workdir.parent / f"{workdir.name}.stderr"
    with errors.open("wb") as stderr:
        child = subprocess.Popen([sys.executable, "-m", "sandbox.conformance", json.dumps(spec)],
                                 cwd=REPO_ROOT, env=env, stderr=stderr)
    try:
        deadline = time.monotonic() + 8
        while not sandbox.leftovers(run_id, running_only=True) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not sandbox.leftovers(run_id, running_only=True):
            return Outcome("fail", "the job's container never started")
        child.send_signal(sig)
        try:  # a busy engine can take seconds to remove a container: time, not the behaviour
            child.wait(timeout=EXIT_S)
        except subprocess.TimeoutExpired:
            return Outcome("fail", f"the host process did not exit within {EXIT_S} s of "
                                   f"{sig.name}; where its threads were: {_stacks(child, errors)}")
    finally:
        if child.poll() is None:
            child.kill()
    if sig == signal.SIGINT:
        left = sandbox.leftovers(run_id, volumes=True)
        return verdict(not left, f"containers and volumes left after Ctrl-C: {left}")
    # SIGKILL: nothing in the host process ran. The in-container watchdog must end the job by
    # itself, and a stale-only sweep (what a new run does at start) must remove it.
    deadline = time.monotonic() + 8
    while sandbox.leftovers(run_id, running_only=True) and time.monotonic() < deadline:
        time.sleep(0.2)
    ended = not sandbox.leftovers(run_id, running_only=True)
    sandbox.cleanup(run_id, stale_only=True)
    left = sandbox.leftovers(run_id, volumes=True)
    return verdict(ended and not left, f"job ended by itself: {ended}; left after sweep: {left}")


def _stacks(child: subprocess.Popen[bytes], errors: Path) -> str:
    """The stuck host process's threads, as its fault handler writes them (SIGUSR2)."""
    child.send_signal(signal.SIGUSR2)
    time.sleep(1)
    text = errors.read_text(encoding="utf-8", errors="replace")
    return text[-3000:] or "(nothing written)"


@behaviour("persistence", "Ctrl-C of the host process leaves no container")
def interrupt_leaves_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    return _host_process_dies(sandbox, tmp, signal.SIGINT)


@behaviour("persistence", "after a host crash the job ends and a sweep removes it")
def crash_leaves_nothing(sandbox: Sandbox, tmp: Path) -> Outcome:
    return _host_process_dies(sandbox, tmp, signal.SIGKILL)



@behaviour("persistence", "files in /tmp, /dev/shm and $HOME do not reach the next job")
def scratch_files_do_not_persist(sandbox: Sandbox, tmp: Path) -> Outcome:
    marker = f"aisci-scratch-{secrets.token_hex(6)}"
    first, wd1 = run_script(sandbox, tmp, """
        import json, os
        marker = open("marker.txt").read()
        kept = []
        for folder in ("/tmp", "/dev/shm", os.path.expanduser("~"), "/var/tmp", "/run",
                       "/dev/mqueue", "/"):
            try:
                open(os.path.join(folder, marker), "w").write(marker); kept.append(folder)
            except OSError:
                pass
        json.dump({"written": kept}, open("out.json", "w"))
    """, files={"marker.txt": marker})
    second, wd2 = run_script(sandbox, tmp, """
        import json, os
        marker = open("marker.txt").read()
        found = []
        for folder in ("/tmp", "/dev/shm", os.path.expanduser("~"), "/var/tmp", "/run",
                       "/dev/mqueue", "/"):
            if os.path.exists(os.path.join(folder, marker)):
                found.append(folder)
        json.dump({"found": found, "job": sorted(os.listdir("."))}, open("out.json", "w"))
    """, files={"marker.txt": marker})
    wrote, seen = out(wd1), out(wd2)
    ok = (first.ok and second.ok and len(wrote.get("written", [])) >= 2
          and seen.get("found") == [] and seen.get("job") == ["check.py", "marker.txt"])
    return verdict(ok, f"first job wrote to {wrote.get('written')}; the next found "
                       f"{seen.get('found')} and its folder held {seen.get('job')}")


@behaviour("persistence", "a background process does not live on into the next job")
def background_processes_do_not_persist(sandbox: Sandbox, tmp: Path) -> Outcome:
    marker = f"aisci-marker-{secrets.token_hex(6)}"
    first, _ = run_script(sandbox, tmp, """
        import os, subprocess, sys
        marker = open("marker.txt").read()
        loop = "import time\\nwhile True: time.sleep(0.1)"
        for _ in range(3):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c", loop, marker])
                os._exit(0)
        subprocess.Popen(["nohup", sys.executable, "-c", loop, marker],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    """, files={"marker.txt": marker})
    second, wd = run_script(sandbox, tmp, """
        import json, os
        marker = open("marker.txt").read().encode()
        others = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read()
            except OSError:
                continue
            if marker in cmd and b"marker.txt" not in cmd:
                others.append(cmd.decode(errors="replace"))
        json.dump({"others": others, "pids": len(list(filter(str.isdigit, os.listdir("/proc"))))},
                  open("out.json", "w"))
    """, files={"marker.txt": marker})
    seen = out(wd)
    host = no_marker_left(marker)
    ok = first.ok and second.ok and seen.get("others") == [] and not host
    return verdict(ok, f"the next job saw {seen}; alive on the host: {host}")


@behaviour("persistence", "a finished job leaves no container and no volume")
def job_leaves_no_container_or_volume(sandbox: Sandbox, tmp: Path) -> Outcome:
    if not isinstance(sandbox, Sweepable):
        return Outcome("skip", "the backend keeps no state outside the host process")
    run_id = new_run_id()
    ok_run, _ = run_script(sandbox, tmp, "open('out.json', 'w').write('{}')\n", run_id=run_id)
    failed, _ = run_script(sandbox, tmp, "raise SystemExit(5)\n", run_id=run_id)
    left = sandbox.leftovers(run_id, volumes=True)
    ok = ok_run.ok and failed.verdict == "error" and not left
    return verdict(ok, f"{ok_run.verdict}, {failed.verdict}; left behind: {left}")


def _sandbox_from_description(description: dict[str, str]) -> Sandbox:
    if description.get("backend") == "docker":
        from sandbox.docker import DockerSandbox

        return DockerSandbox(image=description["image"])
    from sandbox.local import LocalSandbox

    return LocalSandbox(python=description.get("python"))


def child_main(spec_json: str) -> None:
    """The host process the interrupt/crash checks kill: it runs one long job."""
    import faulthandler

    from sandbox.base import SandboxJob
    from sandbox.conformance.core import QUICK

    faulthandler.register(signal.SIGUSR2, all_threads=True)  # where it is stuck, if it is
    # The check is Ctrl-C at a terminal. A test runner started in the background (`cmd &` in a
    # script) hands its children SIGINT ignored, and Python then installs no handler: the
    # process would sit out its job and the check would fail for how it was launched.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    spec = json.loads(spec_json)
    sandbox = _sandbox_from_description(spec["sandbox"])
    limits = QUICK.model_copy(update={"timeout_s": spec["timeout_s"]})
    sandbox.run(SandboxJob(workdir=Path(spec["workdir"]), command=["python", "check.py"],
                           limits=limits, labels={"run_id": spec["run_id"], "idea": "child"}))
