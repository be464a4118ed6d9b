"""What every sandbox backend must do: one list of named behaviours, each a real attempt.

Each behaviour runs real jobs through a ``Sandbox`` (for Docker, the real engine) the way an
attacker who has read this code would, and returns pass or fail with a detail a user can act
on. They cover five areas, one module each: privilege (users, capabilities, kernel interfaces,
mounts, namespaces, cgroups, seccomp, devices, network, secrets), resources (processes,
memory, CPU, time, output, file size, disk), the file system (root, /tmp, the job folder and
its parents, the sandbox's own code), persistence (nothing outlives a job, on the host or into
the next job) and the result files (links, specials, modes, caps, TeX payloads). No probe
sends a network packet. ``aisci sandbox check`` prints them as a table; ``tests/sandbox``
runs each one as its own test.

    >>> from sandbox.conformance import BEHAVIOURS, run_all
    >>> for result in run_all(DockerSandbox()):
    ...     print(result.name, result.status, result.detail)
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sandbox.base import Sandbox, SandboxError
from sandbox.conformance.core import BEHAVIOURS, Behaviour, CheckResult, Outcome

# Importing a probe module registers its behaviours, in this order.
for _module in ("privilege", "resources", "filesystem", "persistence", "results",
                "tex_payloads"):
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["BEHAVIOURS", "Behaviour", "CheckResult", "Outcome", "run_all", "run_behaviour"]


def run_behaviour(behaviour: Behaviour, sandbox: Sandbox, tmp: Path) -> CheckResult:
    """Run one check; an infrastructure error is a failure with its message as the detail."""
    start = time.monotonic()
    try:
        outcome = behaviour.check(sandbox, tmp)
    except SandboxError as exc:
        outcome = Outcome("fail", f"{type(exc).__name__}: {exc}")
    return CheckResult(name=behaviour.name, summary=behaviour.summary, status=outcome.status,
                       detail=outcome.detail, duration_s=round(time.monotonic() - start, 2),
                       area=behaviour.area)


def run_all(sandbox: Sandbox, names: list[str] | None = None) -> Iterator[CheckResult]:
    """Every behaviour (or those named), each in its own temporary folder."""
    for behaviour in BEHAVIOURS:
        if names and behaviour.name not in names:
            continue
        with tempfile.TemporaryDirectory(prefix="aisci-check-") as tmp:
            yield run_behaviour(behaviour, sandbox, Path(tmp))
