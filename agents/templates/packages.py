"""A template's Python packages: its ``requirements.txt``, the imports the sandbox image lacks,
and the derived image that carries them.

A template may list its packages in ``requirements.txt`` beside ``experiment.py``. aisci then
runs its jobs in a derived sandbox image: the sandbox image plus those packages, downloaded on
the host from the package index it reaches (wheels only: nothing of the template runs on the
host), installed with ``--no-index`` during ``docker build``, tagged by a hash of the list and
cached (``sandbox.images.ensure_derived_image``). The image is built by ``aisci template check
--fix`` or by ``aisci run --build-image``, never silently at run time.

The list is untrusted: every line must be a plain requirement (``name``, ``name==1.2``,
``name[extra]>=1; python_version<"4"``). Options (``--index-url``, ``-r``, ``-e``), URLs and
paths are refused, so a template cannot point the host's pip elsewhere.

    >>> read_requirements(Path("templates/tiny_mlp"))
    []
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from pydantic import BaseModel, ConfigDict

from agents.errors import ConfigError, TemplateError
from agents.templates.imports import ImportUse, third_party_imports
from sandbox import images, wheels
from sandbox import Limits, SandboxError, SandboxJob

REQUIREMENTS_FILE = "requirements.txt"
MAX_REQUIREMENTS = 100
Log = Callable[[str], None]
#: The probe that runs inside the image: which of the given top-level modules it can find.
#: ``find_spec`` of a top-level name locates the module without running any of its code.
PROBE = """import importlib.util, json, sys
missing = [n for n in sys.argv[1:] if importlib.util.find_spec(n) is None]
open("missing.json", "w").write(json.dumps(missing))
"""


class ImportReport(BaseModel):
    """The template's third-party imports against the image its jobs run in."""

    model_config = ConfigDict(frozen=True)

    image: str
    imports: list[ImportUse]
    missing: list[ImportUse]  # required imports the image cannot find
    method: str  # "probed in <image>" or why it was read from the package list instead


def read_requirements(folder: Path) -> list[str]:
    """The template's requirement lines (``[]`` without a list); ``TemplateError`` naming the
    first line that is not a plain requirement."""
    path = folder / REQUIREMENTS_FILE
    if not path.is_file() or path.is_symlink():
        return []
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            raise TemplateError(f"{REQUIREMENTS_FILE} line {number}: options such as "
                                f"{line.split()[0]!r} are not allowed; list package names only")
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise TemplateError(f"{REQUIREMENTS_FILE} line {number}: {line[:60]!r} is not a "
                                f"package requirement ({str(exc).splitlines()[0][:120]})") from None
        if req.url:
            raise TemplateError(f"{REQUIREMENTS_FILE} line {number}: {req.name} comes from a URL "
                                "or path; only packages from the index are allowed")
        lines.append(str(req))
        if len(lines) > MAX_REQUIREMENTS:
            raise TemplateError(f"{REQUIREMENTS_FILE} lists more than {MAX_REQUIREMENTS} packages")
    return lines


def template_image(folder: Path, base: str | None = None) -> str:
    """The image the template's jobs run in: the sandbox image, or its derived image when the
    template lists packages (whether or not it is built yet)."""
    base = base or images.image_tag()
    reqs = read_requirements(folder)
    return images.derived_tag(base, reqs) if reqs else base


def require_template_image(folder: Path, *, build: bool = False, log: Log = print) -> str:
    """The template's image, built first when ``build`` (consent); ``TemplateError`` with the
    command that builds it when it is missing."""
    reqs = read_requirements(folder)
    base = images.image_tag()
    if not reqs:
        return base
    tag = images.derived_tag(base, reqs)
    client = images.docker_client()
    if images.image_exists(client, tag):
        return tag
    if not build:
        raise ConfigError(f"the template {folder.name} lists packages ({', '.join(reqs)[:200]}) "
                            f"and their image {tag} is not built: run `aisci template check "
                            f"{folder} --fix`, or pass --build-image")
    return build_template_image(folder, log=log)


def build_template_image(folder: Path, *, log: Log = print) -> str:
    """Build (or find) the derived image of the template's ``requirements.txt``; a package that
    no index has is named as such (``TemplateError``)."""
    reqs = read_requirements(folder)
    try:
        return images.ensure_derived_image(images.image_tag(), reqs, log=log)
    except SandboxError as exc:
        absent = unavailable_in(str(exc))
        if absent:
            raise TemplateError(no_index_message(absent)) from None
        raise


def no_index_message(names: list[str]) -> str:
    return (f"no package index this machine reaches has {', '.join(names)} (as a wheel for "
            "CPython 3.11 on Linux x86_64): install it into the template's code, or drop the "
            "import")


def unavailable_in(pip_output: str) -> list[str]:
    """The requirements pip said no index has."""
    found = re.findall(r"No matching distribution found for ([^\s;]+)", pip_output)
    return list(dict.fromkeys(wheels.project_name(f) for f in found))


def missing_imports(folder: Path, *, image: str | None = None) -> ImportReport:
    """The template's imports the image of its jobs cannot find: probed in a container of the
    image when Docker answers, else read from the image's package lists."""
    imports = third_party_imports(folder)
    tag = image or template_image(folder)
    names = sorted({u.module for u in imports})
    try:
        absent = set(_probe(tag, names)) if names else set()
        method = f"probed in {tag}"
    except SandboxError as exc:
        provided = _listed_modules(folder)
        absent = {n for n in names if n.lower() not in provided}
        method = f"read from the package lists (the image could not be probed: {str(exc)[:160]})"
    missing = [u for u in imports if u.module in absent and not u.optional]
    return ImportReport(image=tag, imports=imports, missing=missing, method=method)


#: Earlier probes, per image id and module list: an image id names its content, so the same
#: question gets the same answer (the user's own cache, never a run folder's).
PROBE_CACHE = "import-probes.json"
MAX_CACHED_PROBES = 200


def _probe(tag: str, names: list[str]) -> list[str]:
    """Which of ``names`` the image cannot import: asked once per image id and module list
    (a container costs half a second before every run's first job)."""
    from docker.errors import ImageNotFound

    from sandbox import DockerSandbox

    try:
        image_id = images.docker_client(timeout=30).images.get(tag).id  # engine down: raises
    except ImageNotFound:
        raise SandboxError(f"its image {tag} is not built") from None
    key = f"{image_id} {' '.join(names)}"
    cached = _cached_probes()
    if key in cached:
        return [n for n in cached[key] if n in names]
    box = DockerSandbox(tag)
    with tempfile.TemporaryDirectory(prefix="aisci-probe-") as tmp:
        work = Path(tmp)
        (work / "probe.py").write_text(PROBE, encoding="utf-8")
        job = SandboxJob(workdir=work, command=["python", "probe.py", *names], image=tag,
                         limits=Limits(timeout_s=60, memory_mb=512, cpus=1),
                         labels={"aisci.kind": "import-probe"}, expected_files=["missing.json"])
        result = box.run(job)
        if not result.ok:
            raise SandboxError(f"the import probe in {tag} ended {result.verdict}: "
                               f"{result.stderr_tail[-200:]}")
        found = json.loads((work / "missing.json").read_text(encoding="utf-8"))
    if not isinstance(found, list):
        raise SandboxError("the import probe returned no list")
    absent = [str(n) for n in found if str(n) in names]
    _remember_probe(cached, key, absent)
    return absent


def _cached_probes() -> dict[str, list[str]]:
    """The probe cache as read: only entries of the right form count (a file that is not a
    regular JSON object of string lists is ignored)."""
    from agents.run import read_json_regular

    data = read_json_regular(images.cache_dir() / PROBE_CACHE)
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, list)
            and all(isinstance(n, str) for n in v)}


def _remember_probe(cached: dict[str, list[str]], key: str, absent: list[str]) -> None:
    from agents.run import atomic_write_text

    kept = dict(list(cached.items())[-(MAX_CACHED_PROBES - 1):])
    kept[key] = absent
    try:
        images.cache_dir().mkdir(parents=True, exist_ok=True)
        atomic_write_text(images.cache_dir() / PROBE_CACHE, json.dumps(kept))
    except OSError:  # a read-only cache: probe again next time
        pass


def _listed_modules(folder: Path) -> set[str]:
    """Lower-case module names the sandbox image's and the template's lists provide (a
    fallback: a distribution's name, and the import names ``DISTRIBUTIONS`` maps to it)."""
    from agents.templates.imports import DISTRIBUTIONS

    lines = images.REQUIREMENTS.read_text().splitlines() + read_requirements(folder)
    projects = {wheels.project_name(x.strip()) for x in lines if x.strip() and not x.startswith("#")}
    modules = {p.replace("-", "_") for p in projects}
    modules |= {m.lower() for m, dist in DISTRIBUTIONS.items()
                if wheels.project_name(dist) in projects}
    return modules


def fix_requirements(folder: Path, missing: list[ImportUse], *, log: Log = print) -> list[str]:
    """Write the packages of ``missing`` into the template's ``requirements.txt`` (pinned to the
    versions found on the index) and return the lines; ``TemplateError`` naming the packages
    that no index has (nothing is written then)."""
    wanted = list(dict.fromkeys(u.distribution for u in missing))
    existing = read_requirements(folder)
    have = {wheels.project_name(r) for r in existing}
    new = [d for d in wanted if wheels.project_name(d) not in have]
    if not new:
        return existing
    pinned = resolve_versions(new, log=log)
    lines = existing + [pinned[wheels.project_name(d)] for d in new]
    header = "# Written by `aisci template check --fix`: the packages the sandbox image lacks.\n"
    path = folder / REQUIREMENTS_FILE
    old = path.read_text(encoding="utf-8") if path.is_file() else header
    added = "\n".join(pinned[wheels.project_name(d)] for d in new)
    path.write_text(old.rstrip("\n") + "\n" + added + "\n", encoding="utf-8")
    return lines


def resolve_versions(distributions: list[str], *, log: Log = print) -> dict[str, str]:
    """``name==version`` for each distribution as the index has it for the image's platform,
    within the sandbox image's pins; ``TemplateError`` naming those that no index has."""
    cache = images.cache_dir() / "wheels"
    absent: list[str] = []
    remaining = list(distributions)
    saved: list[str] = []
    for _ in range(len(distributions)):
        if not remaining:
            break
        with tempfile.TemporaryDirectory(prefix="aisci-wheels-") as tmp:
            try:
                wheels.download_wheels(remaining, Path(tmp) / "w", cache, log,
                                       constraints=images.REQUIREMENTS)
                saved = [p.name for p in (Path(tmp) / "w").glob("*.whl")]
                break
            except SandboxError as exc:
                gone = unavailable_in(str(exc))
                if not gone:
                    raise TemplateError(f"pip could not fetch {', '.join(remaining)}: {exc}") from None
                absent += gone
                remaining = [d for d in remaining if wheels.project_name(d) not in gone]
    if absent:
        raise TemplateError(no_index_message(absent))
    versions = {wheels.project_name(w): w.split("-")[1] for w in saved}
    # Wheels of projects the image pins (numpy...) are not linked: their version is the pin.
    pins = {wheels.project_name(line): line.split("==", 1)[1]
            for line in images.REQUIREMENTS.read_text().splitlines()
            if "==" in line and not line.startswith("#")}
    out = {}
    for dist in distributions:
        key = wheels.project_name(dist)
        version = versions.get(key) or pins.get(key)
        out[key] = f"{dist}=={version}" if version else dist
    return out
