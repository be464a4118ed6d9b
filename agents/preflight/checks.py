"""Preflight checks: does each model answer (and how are its JSON answers held to form), does
Docker, is TeX there? Each failure says how to fix it.

Nothing here prints: the CLI shows the checks (``aisci doctor``) or stops a run on the first
blocking failure, before anything is spent.

    >>> from agents.config.settings import ModelSettings
    >>> report = run_checks(ModelSettings(model="mock/aisci-offline"), "local")
    >>> [(c.name, c.ok) for c in report.checks][:1]
    [('model mock/aisci-offline', True)]
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from agents.config import Executor, ModelSettings
from agents.preflight.cluster_check import check_cluster
from agents.preflight.exposure_check import check_ray_exposure
from agents.preflight.model_check import Check, Notify, check_key_routing, check_model

TEX_PACKAGES = ("latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended cm-super")


class PreflightReport(NamedTuple):
    checks: list[Check]
    models: dict[str, ModelSettings]  # per role, with ``structured`` resolved


def blocking_failures(checks: list[Check]) -> list[Check]:
    """The failed checks that must stop a run."""
    return [c for c in checks if not c.ok and c.blocking]


# --- the sandbox and the tools ----------------------------------------------------------------


def check_sandbox(backend: str) -> Check:
    """Docker answers and the sandbox image is built (nothing to check for ``local``)."""
    if backend == "local":
        return Check(name="sandbox", ok=True, blocking=False,
                     detail="--sandbox local: experiment code runs on this machine, unisolated")
    from docker.errors import DockerException

    from sandbox import SandboxUnavailable, images

    try:
        client = images.docker_client(timeout=15)
    except SandboxUnavailable as exc:
        denied = "Permission denied" in str(exc)
        return Check(name="docker", ok=False, detail=str(exc), fix=(
            "sudo usermod -aG docker $USER, then log in again; or use --sandbox local (unsafe)."
            if denied else "bash scripts/setup_docker.sh (installs and starts Docker), or use "
                           "--sandbox local (unsafe)."))
    tag = images.image_tag()
    try:
        if not images.image_exists(client, tag):
            return Check(name="sandbox image", ok=False, detail=f"Docker answers; image {tag} is missing",
                         fix="aisci sandbox build (or bash scripts/setup.sh).")
    except DockerException as exc:
        return Check(name="sandbox image", ok=False, detail=f"Docker failed: {exc}",
                     fix="bash scripts/setup_docker.sh, then aisci sandbox check.")
    finally:
        client.close()
    return Check(name="docker", ok=True, detail=f"Docker answers; image {tag} is present")


def check_paper_image() -> Check:
    """The paper image (TeX and poppler, sandboxed) is built."""
    from docker.errors import DockerException

    from sandbox import SandboxUnavailable, images

    tag = images.paper_image_tag()
    try:
        client = images.docker_client(timeout=15)
        try:
            present = images.image_exists(client, tag)
        finally:
            client.close()
    except (SandboxUnavailable, DockerException) as exc:
        return Check(name="paper image", ok=False, detail=f"Docker failed: {exc}",
                     fix="bash scripts/setup_docker.sh, or --tex host (unisolated TeX).")
    if not present:
        return Check(name="paper image", ok=False, detail=f"image {tag} (TeX, poppler) is missing",
                     fix="aisci sandbox build (or bash scripts/setup.sh); or --tex host.")
    return Check(name="paper image", ok=True, detail=f"TeX runs sandboxed in {tag}")


def check_tex() -> Check:
    from agents.paper import tex_available

    if tex_available():
        return Check(name="tex", ok=True, blocking=False, detail="latexmk and pdflatex found")
    return Check(name="tex", ok=False, blocking=False,
                 detail="latexmk/pdflatex not found: papers are written but not compiled to PDF",
                 fix=f"bash scripts/setup.sh, or: sudo apt-get install -y {TEX_PACKAGES}")


def check_pdftotext() -> Check:
    if shutil.which("pdftotext"):
        return Check(name="pdftotext", ok=True, blocking=False, detail="pdftotext found")
    return Check(name="pdftotext", ok=False, blocking=False,
                 detail="pdftotext not found: reviewers cannot read the compiled PDF",
                 fix="bash scripts/setup.sh, or: sudo apt-get install -y poppler-utils")


# --- all of them ------------------------------------------------------------------------------


async def arun_checks(model_settings: ModelSettings | Mapping[str, ModelSettings],
                      sandbox_backend: str = "docker", *, tex_on_host: bool | None = None,
                      notify: Notify | None = None) -> PreflightReport:
    """Every check: each distinct model (and server) is asked once; the models, the sandbox
    and the paper image are checked at the same time. ``tex_on_host`` None: TeX goes where the
    sandbox goes (host for ``local``). ``notify`` hears of a long wait (a model loading)."""
    roles_of: dict[tuple[Any, ...], tuple[ModelSettings, list[str]]] = {}
    if isinstance(model_settings, ModelSettings):
        roles_of[(model_settings.model, model_settings.api_base)] = (model_settings, [])
    else:
        for role, settings in model_settings.items():
            roles_of.setdefault((settings.model, settings.api_base), (settings, []))[1].append(role)
    many = len(roles_of) > 1
    on_host = sandbox_backend == "local" if tex_on_host is None else tex_on_host
    machine = asyncio.gather(asyncio.to_thread(check_sandbox, sandbox_backend),
                             *([] if on_host else [asyncio.to_thread(check_paper_image)]))
    models = asyncio.gather(*(check_model(settings, roles=tuple(roles) if many else (),
                                          notify=notify)
                              for settings, roles in roles_of.values()))
    (sandbox, *image), results = await asyncio.gather(machine, models)
    resolved: dict[str, ModelSettings] = {}
    for (settings, roles), result in zip(roles_of.values(), results, strict=True):
        for role in roles:
            own = model_settings[role] if isinstance(model_settings, Mapping) else settings
            resolved[role] = own.model_copy(update={
                "structured": result.settings.structured,
                "schema_via": result.settings.schema_via})
    checks = [r.check for r in results]
    tools = [check_tex(), check_pdftotext()] if on_host else image
    return PreflightReport([*checks, sandbox, *tools], resolved)


def run_checks(model_settings: ModelSettings | Mapping[str, ModelSettings],
               sandbox_backend: str = "docker", *, tex_on_host: bool | None = None,
               notify: Notify | None = None) -> PreflightReport:
    """``arun_checks`` for synchronous callers (not from inside a running event loop)."""
    return asyncio.run(arun_checks(model_settings, sandbox_backend, tex_on_host=tex_on_host,
                                   notify=notify))


def check_before_run(roles: Mapping[str, ModelSettings], *, sandbox: str,
                     confirmed: Callable[[str | None], bool],
                     executor: Executor = Executor.local, ray_address: str | None = None,
                     tex_on_host: bool | None = None, paper: bool = True,
                     notify: Notify | None = None) -> PreflightReport:
    """The checks before a run, in the one order that ``run``, ``resume``, ``doctor`` and
    ``review`` use:

    1. where each role's provider key would be sent (``confirmed``: whether the user named that
       ``api_base``); when one would go to a server the user did not name, these are the only
       checks, and no model is asked anything;
    2. ``run_checks``: each model (its structured-answer mode resolved), the sandbox, the paper
       image or TeX on the host;
    3. with ``executor`` ray: the cluster and each node (``paper``: the nodes need the paper
       image too) and whether its ports are exposed.

    Nothing prints here: the caller shows the checks or stops on ``blocking_failures``."""
    routing = [c for s in roles.values()
               if (c := check_key_routing(s, confirmed=confirmed(s.api_base))) is not None]
    if routing:
        return PreflightReport(routing, dict(roles))
    report = run_checks(roles, sandbox, tex_on_host=tex_on_host, notify=notify)
    checks = list(report.checks)
    if executor == Executor.ray:
        exposure = check_ray_exposure(ray_address)
        checks += [*check_cluster(ray_address, paper=paper), *([exposure] if exposure else [])]
    return PreflightReport(checks, report.models)
