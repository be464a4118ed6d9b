"""What a template from elsewhere may not do: hold links or special files, or ask a sandbox
job for more than this machine's configured maxima.

A downloaded template is untrusted. A symbolic link in it (``data.csv -> ~/.ssh/id_rsa``)
would put a host file into the sandbox, the paper and the coder's prompt, so a template may
hold only regular files and folders (aisci's copies follow no link either:
``agents.run.safe_files``). Its ``[limits]`` are capped by ``[max_limits]`` of the user's
config (``agents.config.settings.LimitCaps``; defaults shown by ``aisci doctor``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from agents.config import LimitCaps


def link_problems(path: Path) -> list[str]:
    """Every link or special file in the template folder, each in one line."""
    problems: list[str] = []
    if path.is_symlink():
        return [f"{path} is a symbolic link: give the template's real folder"]
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in sorted([*dirs, *files]):
            full = Path(root) / name
            rel = full.relative_to(path)
            mode = full.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(f"{rel} is a symbolic link (to {os.readlink(full)[:80]}): a "
                                f"template may hold only regular files and folders; copy the "
                                f"file in instead")
            elif not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                problems.append(f"{rel} is not a regular file or folder (a FIFO, socket or "
                                f"device): remove it")
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
    return problems


def configured_caps() -> LimitCaps:
    """The user's ``[max_limits]`` (config file and ``AISCI_MAX_LIMITS``), or the defaults."""
    from agents.config import load_config

    return load_config().max_limits


def limit_problems(limits: dict[str, Any], caps: LimitCaps | None = None) -> list[str]:
    """Each ``[limits]`` value above its cap, in one line that says how to allow it."""
    caps = caps or configured_caps()
    problems = []
    for name, value in limits.items():
        cap = getattr(caps, name, None)
        if cap is None or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if value > cap:
            problems.append(f"template.toml: [limits] {name} = {_number(value)} is above this "
                            f"machine's maximum {_number(cap)} (a user may raise it: "
                            f"[max_limits] {name} = ... in the aisci config file)")
    return problems


def _number(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"
