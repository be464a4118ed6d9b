"""Build and find the sandbox image: one tag per set of build inputs, built only when missing.

Two images: the experiment image (python and the scientific stack) and the paper image (TeX
and poppler, for compiling model-written LaTeX and reading untrusted PDFs). Two paths make the
experiment image from ``sandbox/images/requirements.txt``:

- registry: ``images/Dockerfile``, ``FROM python:3.11-slim``, pip installs from PyPI;
- offline (no registry, CI, air-gapped): ``debootstrap`` a minimal Debian bookworm with python3,
  ``docker import`` it as a base (the rootfs tarball is cached), download the pinned wheels on
  the host, and build ``images/Dockerfile.offline``, which installs them with ``--no-index``.

The paper image is ``images/Dockerfile.paper`` on the same debootstrap base (on
``debian:bookworm-slim`` on the registry path): apt installs TeX from the base's Debian sources
during the build, the only step with network.

The tag is a hash of every build input, so a changed pin or Dockerfile gives a new image and an
unchanged one is never rebuilt. Nothing here ever pulls an image.

    >>> from sandbox.images import ensure_image
    >>> tag = ensure_image()          # builds the first time, returns at once afterwards
    >>> paper = ensure_paper_image()  # the same for the TeX image
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound

from sandbox import wheels
from sandbox.base import SandboxError, SandboxUnavailable

#: Bump when the build procedure changes in a way the input files do not show.
BUILDER_VERSION = "1"
IMAGE_REPO = "aisci-sandbox"
BASE_REPO = "aisci-base"
DERIVED_REPO = "aisci-sandbox-extra"
PAPER_REPO = "aisci-paper"
IMAGES_DIR = Path(__file__).with_name("images")
REQUIREMENTS = IMAGES_DIR / "requirements.txt"
DEBIAN_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates")
#: texlive-science carries algorithm, algorithmic and algorithmicx, which AI-Scientist's
#: LaTeX skeletons load. cm-super: Type 1 versions of the T1-encoded (EC) fonts that
#: ``\usepackage[T1]{fontenc}`` selects; without it every compile ran METAFONT for each size
#: (2-3 s a paper, on a read-only image with nowhere to keep the result) and the PDF carried
#: bitmap Type 3 fonts.
PAPER_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended", "texlive-latex-extra",
                  "texlive-fonts-recommended", "texlive-science", "cm-super", "latexmk",
                  "poppler-utils")
#: The paper image's base where a registry is reachable (offline: the debootstrap base).
PAPER_REGISTRY_BASE = "debian:bookworm-slim"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
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


def paper_image_tag() -> str:
    """The tag of the paper image (TeX + poppler) the current source tree describes."""
    dockerfile = (IMAGES_DIR / "Dockerfile.paper").read_text()
    return f"{PAPER_REPO}:{_digest(BUILDER_VERSION, base_tag(), dockerfile, *PAPER_PACKAGES)}"


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
        start = time.monotonic()
        if _offline(offline):
            log(f"Building {tag} offline (debootstrap base + local wheels)")
            base = _ensure_base(client, log)
            with _context(REQUIREMENTS, "Dockerfile.offline") as ctx:
                wheels.download_wheels(REQUIREMENTS.read_text().splitlines(), ctx / "wheels",
                                       cache_dir() / "wheels", log)
                _build(client, ctx, tag, {"BASE": base}, log)
        else:
            log(f"Building {tag} from python:3.11-slim")
            with _context(REQUIREMENTS, "Dockerfile") as ctx:
                _build(client, ctx, tag, {}, log)
        log(f"Built {tag} in {time.monotonic() - start:.0f} s")
    return tag


def ensure_paper_image(offline: bool | None = None, log: Log = print, *,
                       client: docker.DockerClient | None = None) -> str:
    """Return the paper image tag (TeX + poppler), building it first if it is missing.

    The build runs apt inside the base image (a few minutes; the base's Debian mirror must be
    reachable from the default bridge network). ``offline`` chooses the base as for
    ``ensure_image``. Jobs in this image run with the experiment hardening (see ``sandbox.tex``).
    """
    client = client or docker_client()
    tag = paper_image_tag()
    if image_exists(client, tag):
        return tag
    with _build_lock():
        if image_exists(client, tag):
            return tag
        start = time.monotonic()
        base = _ensure_base(client, log) if _offline(offline) else PAPER_REGISTRY_BASE
        log(f"Building {tag} on {base}: {', '.join(PAPER_PACKAGES)} (a few minutes)")
        with _context(None, "Dockerfile.paper") as ctx:
            _build(client, ctx, tag, {"BASE": base, "PACKAGES": " ".join(PAPER_PACKAGES)}, log)
        log(f"Built {tag} in {time.monotonic() - start:.0f} s")
    return tag


def _offline(offline: bool | None) -> bool:
    """``None``: offline when no registry is reachable (``AISCI_IMAGE_BUILD`` forces a path)."""
    if offline is not None:
        return offline
    forced = os.environ.get("AISCI_IMAGE_BUILD", "")
    return forced == "offline" or (forced != "registry" and not registry_reachable())


def derived_tag(base_tag: str, requirements: list[str]) -> str:
    """The tag of ``base_tag`` plus ``requirements``: a hash of both, so a changed list (or
    sandbox image) gives a new image and an unchanged one is found again."""
    reqs = sorted({r.strip() for r in requirements if r.strip()})
    return f"{DERIVED_REPO}:{_digest(BUILDER_VERSION, base_tag, *reqs)}" if reqs else base_tag


def ensure_derived_image(base_tag: str, requirements: list[str], *, log: Log = print,
                         client: docker.DockerClient | None = None) -> str:
    """The sandbox image plus a template's extra packages (wheels only), built if missing.

    Versions already in the base image stay pinned, so an extra never replaces numpy or torch.
    """
    reqs = sorted({r.strip() for r in requirements if r.strip()})
    if not reqs:
        return base_tag
    client = client or docker_client()
    tag = derived_tag(base_tag, reqs)
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
            wheels.download_wheels(reqs, ctx / "wheels", cache_dir() / "wheels", log,
                                   constraints=REQUIREMENTS,
                                   skip=wheels.pinned_projects(REQUIREMENTS))
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


# --- docker build ----------------------------------------------------------------------

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
