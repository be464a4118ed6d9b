"""Download the sandbox image's wheels on the host (the offline build installs them --no-index).

pip runs here, for the image's platform (CPython 3.11, manylinux x86_64), into a cache kept
between builds; the wheels a build needs are then linked into its build context.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sandbox.base import SandboxError

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# pip before 24 does not widen --platform to older manylinux tags: name each one.
WHEEL_PLATFORMS = (
    "manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
)

Log = Callable[[str], None]


def download_wheels(requirements: list[str], dest: Path, cache: Path, log: Log, *,
                    constraints: Path | None = None, skip: frozenset[str] = frozenset()) -> None:
    """pip download for the image's platform into ``cache``, then link the wheels into ``dest``.

    ``skip`` names projects the image already has (their wheels are not copied).
    """
    reqs = [r.strip() for r in requirements if r.strip() and not r.strip().startswith("#")]
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [*_pip(), "download", "--only-binary=:all:", "--python-version",
           "3.11", "--find-links", str(cache), "-d", str(cache), "--progress-bar", "off"]
    for platform in WHEEL_PLATFORMS:
        cmd += ["--platform", platform]
    local = os.environ.get("AISCI_WHEEL_DIR")  # a folder of wheels, beside (or instead of) an index
    if local:
        cmd += ["--find-links", str(Path(local).expanduser())]
    if constraints is not None:
        cmd += ["-c", str(constraints)]
    log(f"Downloading {len(reqs)} wheels to {cache}")
    result = subprocess.run([*cmd, *reqs], capture_output=True, text=True, check=False)
    if result.returncode != 0 and "torch" in result.stdout + result.stderr:
        # A CPU build of torch is not on PyPI: retry with PyTorch's own index.
        result = subprocess.run([*cmd, "--extra-index-url", TORCH_CPU_INDEX, *reqs],
                                capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SandboxError("pip could not download the sandbox wheels: " + " | ".join(tail))
    dest.mkdir(parents=True, exist_ok=True)
    saved = _downloaded_files(result.stdout)
    for wheel in saved or [p.name for p in cache.glob("*.whl")]:
        if project_name(wheel) not in skip:
            _link_or_copy(cache / wheel, dest / wheel)


def project_name(name: str) -> str:
    """Normalized project name of a requirement line or a wheel file name."""
    head = re.split(r"[=<>!~\[;@ ]", name, maxsplit=1)[0]
    if name.endswith(".whl"):
        head = name.split("-", 1)[0]
    return re.sub(r"[-_.]+", "-", head).lower()


def pinned_projects(requirements: Path) -> frozenset[str]:
    """Normalized names of the projects a requirements file pins."""
    lines = requirements.read_text().splitlines()
    return frozenset(project_name(x.strip()) for x in lines if x.strip() and not x.startswith("#"))


def _pip() -> list[str]:
    """This interpreter's pip, else one on PATH (uv/pipx environments may lack pip)."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        if found := shutil.which(name):
            return [found]
    raise SandboxError("The offline image build downloads wheels with pip, and none was found: "
                       f"`{sys.executable} -m ensurepip`, or install pip.")


def _downloaded_files(pip_stdout: str) -> list[str]:
    """Wheel names pip reported for this request ("Saved ..." or "File was already ...")."""
    names = []
    for line in pip_stdout.splitlines():
        line = line.strip()
        for prefix in ("Saved ", "File was already downloaded "):
            if line.startswith(prefix) and line.endswith(".whl"):
                names.append(Path(line[len(prefix):]).name)
    return names


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
