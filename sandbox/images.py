"""Build and find the sandbox image: one tag per set of build inputs, built only when missing.

Two paths make the same image from ``sandbox/images/requirements.txt``:

- registry: ``images/Dockerfile``, ``FROM python:3.11-slim``, pip installs from PyPI;
- offline (no registry, CI, air-gapped): ``debootstrap`` a minimal Debian bookworm with python3,
  ``docker import`` it as a base (the rootfs tarball is cached), download the pinned wheels on
  the host, and build ``images/Dockerfile.offline``, which installs them with ``--no-index``.

The tag is a hash of every build input, so a changed pin or Dockerfile gives a new image and an
unchanged one is never rebuilt. Nothing here ever pulls an image.

    >>> from sandbox.images import ensure_image
    >>> tag = ensure_image()          # builds the first time, returns at once afterwards
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound

from sandbox.base import SandboxError, SandboxUnavailable

#: Bump when the build procedure changes in a way the input files do not show.
BUILDER_VERSION = "1"
IMAGE_REPO = "aisci-sandbox"
BASE_REPO = "aisci-base"
DERIVED_REPO = "aisci-sandbox-extra"
IMAGES_DIR = Path(__file__).with_name("images")
REQUIREMENTS = IMAGES_DIR / "requirements.txt"
DEBIAN_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# pip before 24 does not widen --platform to older manylinux tags: name each one.
WHEEL_PLATFORMS = (
    "manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
)
_BUILD_FILES = ("Dockerfile", "Dockerfile.offline", "requirements.txt")

Log = Callable[[str], None]


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:12]


def image_tag() -> str:
    """The tag of the sandbox image the current source tree describes."""
    texts = [(IMAGES_DIR / name).read_text() for name in _BUILD_FILES]
    return f"{IMAGE_REPO}:{_digest(BUILDER_VERSION, base_tag(), *texts)}"


def base_tag() -> str:
    """The tag of the offline Debian base (python3 only)."""
    return f"{BASE_REPO}:{_digest(BUILDER_VERSION, DEBIAN_SUITE, *BASE_PACKAGES)}"


def cache_dir() -> Path:
    """Where rootfs tarballs and wheels are kept between builds (AISCI_CACHE_DIR overrides)."""
    if os.environ.get("AISCI_CACHE_DIR"):
        return Path(os.environ["AISCI_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "aisci"


def docker_client(timeout: int = 600) -> docker.DockerClient:
    """A client for the local engine, or ``SandboxUnavailable`` with the fix."""
    try:
        # Each running job holds up to four connections (wait, two log streams, kill).
        client = docker.from_env(timeout=timeout, max_pool_size=32)
        client.ping()
    except DockerException as exc:
        raise SandboxUnavailable(unreachable_message(exc)) from exc
    return client


def unreachable_message(exc: BaseException | None = None) -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if exc is not None and "Permission denied" in str(exc):
        return (f"Permission denied on the Docker socket at {host}. Add your user to the "
                "docker group (`sudo usermod -aG docker $USER`, then log in again), "
                "or use --sandbox local (unsafe).")
    return (f"Docker is not reachable at {host}. Run `bash scripts/setup_docker.sh` to install "
            "and start it, or use --sandbox local (unsafe).")


def image_exists(client: docker.DockerClient, tag: str | None = None) -> bool:
    """Whether ``tag`` (default: the current sandbox image) is present locally."""
    try:
        client.images.get(tag or image_tag())
    except ImageNotFound:
        return False
    return True


def registry_reachable(timeout_s: float = 3.0) -> bool:
    """Whether Docker Hub answers at all (a TCP connect is enough to choose a build path)."""
    try:
        with socket.create_connection(("registry-1.docker.io", 443), timeout=timeout_s):
            return True
    except OSError:
        return False


def ensure_image(offline: bool | None = None, log: Log = print, *,
                 client: docker.DockerClient | None = None) -> str:
    """Return the sandbox image tag, building it first if it is missing.

    ``offline=None`` picks the offline path when no registry is reachable
    (``AISCI_IMAGE_BUILD=offline|registry`` forces one).
    """
    client = client or docker_client()
    tag = image_tag()
    if image_exists(client, tag):
        return tag
    with _build_lock():
        if image_exists(client, tag):  # another process built it while we waited
            return tag
        if offline is None:
            forced = os.environ.get("AISCI_IMAGE_BUILD", "")
            offline = forced == "offline" or (forced != "registry" and not registry_reachable())
        start = time.monotonic()
        if offline:
            log(f"Building {tag} offline (debootstrap base + local wheels)")
            base = _ensure_base(client, log)
            with _context(REQUIREMENTS, "Dockerfile.offline") as ctx:
                _download_wheels(REQUIREMENTS.read_text().splitlines(), ctx / "wheels", log)
                _build(client, ctx, tag, {"BASE": base}, log)
        else:
            log(f"Building {tag} from python:3.11-slim")
            with _context(REQUIREMENTS, "Dockerfile") as ctx:
                _build(client, ctx, tag, {}, log)
        log(f"Built {tag} in {time.monotonic() - start:.0f} s")
    return tag


def ensure_derived_image(base_tag: str, requirements: list[str], *, log: Log = print,
                         client: docker.DockerClient | None = None) -> str:
    """The sandbox image plus a template's extra packages (wheels only), built if missing.

    Versions already in the base image stay pinned, so an extra never replaces numpy or torch.
    """
    reqs = sorted({r.strip() for r in requirements if r.strip()})
    if not reqs:
        return base_tag
    client = client or docker_client()
    tag = f"{DERIVED_REPO}:{_digest(BUILDER_VERSION, base_tag, *reqs)}"
    if image_exists(client, tag):
        return tag
    if not image_exists(client, base_tag):
        raise SandboxUnavailable(f"Sandbox image {base_tag} is missing. Run `aisci sandbox build`.")
    with _build_lock():
        if image_exists(client, tag):
            return tag
        log(f"Building {tag}: {', '.join(reqs)}")
        with _context(None, "Dockerfile.derived") as ctx:
            (ctx / "requirements.txt").write_text("\n".join(reqs) + "\n")
            _download_wheels(reqs, ctx / "wheels", log, constraints=REQUIREMENTS,
                             skip=_pinned_projects())
            _build(client, ctx, tag, {"BASE": base_tag}, log)
    return tag


# --- the offline base -----------------------------------------------------------------------

def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (AISCI_DEBIAN_MIRROR overrides)."""
    if os.environ.get("AISCI_DEBIAN_MIRROR"):
        return os.environ["AISCI_DEBIAN_MIRROR"]
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if not path.is_file() or path.suffix not in {"", ".list", ".sources"}:
            continue
        for line in path.read_text(errors="replace").splitlines():
            words = line.split()
            if path.suffix == ".sources" and words[:1] == ["URIs:"]:
                candidates = words[1:]
            elif words[:1] == ["deb"]:
                candidates = [w for w in words[1:] if "://" in w][:1]
            else:
                continue
            for uri in candidates:
                if "debian" in uri and "security" not in uri and "://" in uri:
                    return uri.rstrip("/")
    return DEFAULT_MIRROR


def _ensure_base(client: docker.DockerClient, log: Log) -> str:
    tag = base_tag()
    if image_exists(client, tag):
        return tag
    rootfs = cache_dir() / f"rootfs-{tag.split(':')[1]}.tar"
    if not rootfs.is_file():
        _debootstrap(rootfs, log)
    log(f"Importing {rootfs} as {tag}")
    repo, _, version = tag.partition(":")
    client.api.import_image_from_file(str(rootfs), repository=repo, tag=version)
    if not image_exists(client, tag):
        raise SandboxError(f"`docker import` of {rootfs} did not produce {tag}; delete the file "
                           "and run `aisci sandbox build` again.")
    return tag


def _debootstrap(rootfs: Path, log: Log) -> None:
    if shutil.which("debootstrap") is None:
        raise SandboxError("The offline image build needs debootstrap: run "
                           "`apt-get install -y debootstrap` (or `bash scripts/setup_docker.sh`).")
    if os.geteuid() != 0:
        raise SandboxError("The offline image build runs debootstrap, which needs root: run "
                           "`sudo bash scripts/setup_docker.sh` once; later runs reuse the image.")
    rootfs.parent.mkdir(parents=True, exist_ok=True)
    mirror = debian_mirror()
    start = time.monotonic()
    log(f"debootstrap {DEBIAN_SUITE} from {mirror} (about a minute)")
    with tempfile.TemporaryDirectory(dir=rootfs.parent, prefix="rootfs-") as tmp:
        target = Path(tmp) / "root"
        keyring = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
        options = [f"--keyring={keyring}"] if keyring.is_file() else []
        _check_run(["debootstrap", "--variant=minbase", *options,
                    f"--include={','.join(BASE_PACKAGES)}", DEBIAN_SUITE, str(target), mirror],
                   "debootstrap")
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (target / junk).glob("*"):
                if entry.is_file():
                    entry.unlink()
        partial = rootfs.with_suffix(".partial")
        _check_run(["tar", "--numeric-owner", "-C", str(target), "-cf", str(partial), "."], "tar")
        partial.replace(rootfs)
    log(f"Rootfs cached at {rootfs} ({time.monotonic() - start:.0f} s)")


# --- wheels and docker build ----------------------------------------------------------------

def _download_wheels(requirements: list[str], dest: Path, log: Log, *,
                     constraints: Path | None = None, skip: frozenset[str] = frozenset()) -> None:
    """pip download for the image's platform into a cache, then link the wheels into ``dest``.

    ``skip`` names projects the image already has (their wheels are not copied).
    """
    reqs = [r.strip() for r in requirements if r.strip() and not r.strip().startswith("#")]
    cache = cache_dir() / "wheels"
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [*_pip(), "download", "--only-binary=:all:", "--python-version",
           "3.11", "--find-links", str(cache), "-d", str(cache), "--progress-bar", "off"]
    for platform in WHEEL_PLATFORMS:
        cmd += ["--platform", platform]
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
        if _project(wheel) not in skip:
            _link_or_copy(cache / wheel, dest / wheel)


def _project(name: str) -> str:
    """Normalized project name of a requirement line or a wheel file name."""
    head = re.split(r"[=<>!~\[;@ ]", name, maxsplit=1)[0]
    if name.endswith(".whl"):
        head = name.split("-", 1)[0]
    return re.sub(r"[-_.]+", "-", head).lower()


def _pinned_projects() -> frozenset[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return frozenset(_project(x.strip()) for x in lines if x.strip() and not x.startswith("#"))


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


@contextlib.contextmanager
def _context(requirements: Path | None, dockerfile: str) -> Iterator[Path]:
    """A throw-away build context holding the Dockerfile (and requirements)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix="context-") as tmp:
        ctx = Path(tmp)
        shutil.copyfile(IMAGES_DIR / dockerfile, ctx / "Dockerfile")
        if requirements is not None:
            shutil.copyfile(requirements, ctx / "requirements.txt")
        yield ctx


def _build(client: docker.DockerClient, ctx: Path, tag: str, buildargs: dict[str, str],
           log: Log) -> None:
    stream: Iterator[dict[str, Any]] = client.api.build(
        path=str(ctx), tag=tag, buildargs=buildargs, rm=True, forcerm=True, pull=False,
        decode=True, labels={"owner": "aisci", "aisci.builder": BUILDER_VERSION},
    )
    for chunk in stream:
        if "error" in chunk:
            raise SandboxError(f"Building {tag} failed: {chunk['error'].strip()}")
        text = str(chunk.get("stream", "")).strip()
        if text.startswith("Step "):
            log(text)
    if not image_exists(client, tag):
        raise SandboxError(f"Building {tag} finished without producing the image.")
    # The multi-stage build leaves its (large) build stage behind as an untagged image.
    with contextlib.suppress(DockerException):
        client.images.prune(filters={"dangling": True, "label": "aisci.stage=build"})


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    """Two processes building at once would download and build everything twice."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with (root / "build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_run(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SandboxError(f"{what} failed (exit {result.returncode}): " + " | ".join(tail))
