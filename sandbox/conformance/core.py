"""The conformance suite's types, its registry and the helpers every probe uses."""

from __future__ import annotations

import contextlib
import json
import secrets
import stat
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from pydantic import BaseModel

from sandbox.base import Limits, Sandbox, SandboxJob, SandboxResult

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICK = Limits(timeout_s=20, memory_mb=512, cpus=1, pids=64, output_bytes=1_000_000,
               file_size_mb=64)
CANARY_KEY = "sk-aisci-conformance-canary-0000"

Status = Literal["pass", "fail", "skip"]
Area = Literal["privilege", "resources", "filesystem", "persistence", "results"]


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
    area: str = ""


@runtime_checkable
class Sweepable(Protocol):
    """Backends whose jobs outlive a process (containers) and can be listed and swept."""

    def leftovers(self, run_id: str, *, running_only: bool = False,
                  volumes: bool = False) -> list[str]: ...

    def cleanup(self, run_id: str | None = None, *, stale_only: bool = False) -> Any: ...


Check = Callable[[Sandbox, Path], Outcome]


class Behaviour(NamedTuple):
    name: str
    summary: str
    check: Check
    area: str = ""


BEHAVIOURS: list[Behaviour] = []


def behaviour(area: Area, summary: str) -> Callable[[Check], Check]:
    """Register a check under its function's name, in definition order."""

    def register(check: Check) -> Check:
        BEHAVIOURS.append(Behaviour(check.__name__, summary, check, area))
        return check

    return register


# --- running probes -------------------------------------------------------------------------

def verdict(ok: bool, detail: str) -> Outcome:
    return Outcome("pass" if ok else "fail", detail)


def new_workdir(tmp: Path, script: str, files: dict[str, str | bytes] | None = None) -> Path:
    """A fresh job folder holding ``script`` as check.py and ``files``."""
    workdir = Path(tempfile.mkdtemp(dir=tmp, prefix="job-"))
    (workdir / "check.py").write_text(textwrap.dedent(script))
    for name, content in (files or {}).items():
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return workdir


def run_job(sandbox: Sandbox, workdir: Path, *, command: list[str] | None = None,
            limits: Limits = QUICK, env: dict[str, str] | None = None,
            expected: tuple[str, ...] = (), image: str | None = None,
            run_id: str | None = None) -> SandboxResult:
    job = SandboxJob(workdir=workdir, command=command or ["python", "check.py"], limits=limits,
                     env=env or {}, expected_files=list(expected), image=image,
                     labels={"run_id": run_id or new_run_id(), "idea": "conformance"})
    return sandbox.run(job)


def run_script(sandbox: Sandbox, tmp: Path, script: str, *,
               files: dict[str, str | bytes] | None = None,
               **job: Any) -> tuple[SandboxResult, Path]:
    """Run ``script`` as check.py in a fresh folder; returns the result and the folder."""
    workdir = new_workdir(tmp, script, files)
    return run_job(sandbox, workdir, **job), workdir


def new_run_id() -> str:
    return f"conformance-{secrets.token_hex(4)}"


def out(workdir: Path, name: str = "out.json") -> dict[str, Any]:
    path = workdir / name
    with contextlib.suppress(OSError, ValueError):
        return dict(json.loads(path.read_text()))
    return {}


def brief(value: Any, limit: int = 600) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --- host-side observations -----------------------------------------------------------------

def marker_processes(marker: str) -> list[int]:
    """Host processes whose command line carries ``marker`` (container processes included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def no_marker_left(marker: str, wait_s: float = 3.0) -> list[int]:
    deadline = time.monotonic() + wait_s
    while (alive := marker_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def snapshot(root: Path, *, skip: Path | None = None) -> dict[str, tuple[int, int, int, str]]:
    """Type, mode, size and a content hash prefix of everything under ``root`` but ``skip``."""
    seen: dict[str, tuple[int, int, int, str]] = {}
    for path in sorted(root.rglob("*")):
        if skip is not None and (path == skip or path.is_relative_to(skip)):
            continue
        info = path.lstat()
        digest = ""
        if stat.S_ISREG(info.st_mode) and info.st_size < 1 << 20:
            digest = path.read_bytes()[:64].hex()
        seen[str(path.relative_to(root))] = (stat.S_IFMT(info.st_mode), info.st_mode & 0o7777,
                                             info.st_size, digest)
    return seen


def host_changes(before: dict[str, tuple[int, int, int, str]],
                 after: dict[str, tuple[int, int, int, str]]) -> list[str]:
    """Names added, removed or changed between two snapshots."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def tree_kinds(root: Path) -> dict[str, list[str]]:
    """What a result folder holds beyond plain files and folders (links, specials, bad modes)."""
    found: dict[str, list[str]] = {"links": [], "specials": [], "modes": [], "hardlinks": []}
    for path in root.rglob("*"):
        info = path.lstat()
        name = str(path.relative_to(root))
        if stat.S_ISLNK(info.st_mode):
            found["links"].append(name)
        elif stat.S_ISREG(info.st_mode):
            if info.st_mode & 0o7777 not in (0o644, 0o755):
                found["modes"].append(f"{name}:{oct(info.st_mode & 0o7777)}")
            if info.st_nlink > 1:
                found["hardlinks"].append(name)
        elif stat.S_ISDIR(info.st_mode):
            if info.st_mode & 0o7777 != 0o755:
                found["modes"].append(f"{name}:{oct(info.st_mode & 0o7777)}")
        else:
            found["specials"].append(name)
    return found


def clean(kinds: dict[str, list[str]]) -> bool:
    return not any(kinds.values())
