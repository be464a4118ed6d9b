"""What ``aisci resume`` may take from a run folder: the run's settings, re-derived.

run.json is data that may have been written by someone else (a copied run folder, a shared
checkpoint database). A resume takes from it only what cannot widen what aisci may do on this
machine. Everything that can is re-derived from what the user states now, on the resume
command line, in the ``AISCI_*`` environment or in a config file named with ``--config``:

- the sandbox (``local`` runs model-written code on this machine) and where TeX runs;
- each role's model and ``api_base`` (where prompts, and maybe a provider key, are sent);
- the executor and the Ray address (where jobs, with their files, are sent);
- the checkpointer (which database is read and written);
- the template folder (a path is read, its code run and shown to the model) and the draft
  (read only from the run's own ``draft/`` folder).

What the folder asks for beyond that ends the resume before anything runs, in one line that
names the field and the flag that allows it. The offline model, the Docker sandbox, TeX in a
container, the local executor, SQLite in the run folder and a template shipped with aisci need
no flag: they widen nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agents.config import (
    ROLES,
    AisciConfig,
    Executor,
    ModelSettings,
    RunSettings,
    SandboxBackend,
    StructuredMode,
    TexBackend,
    redact_url,
)
from agents.errors import ConfigError
from agents.llm import OFFLINE_MODEL
from agents.run.folder import OutsideRunFolder, RunFolder
from agents.run.record import RunRecord

DRAFT_DIR = "draft"
DRAFT_SUFFIXES = (".tex", ".pdf")
_PLAIN_NAME = re.compile(r"[\w.-]+")


class Refused(ConfigError):
    """The run folder asks for something the user did not state."""


def _refuse(field: str, asked: str, flag: str, why: str) -> Refused:
    return Refused(f"run.json asks for {field} = {asked} ({why}); aisci resume takes that only "
                   f"from you: pass {flag} to allow it")


def _stated(cfg: AisciConfig, name: str) -> bool:
    return name in cfg.model_fields_set


def _role_stated(cfg: AisciConfig, role: str, field: str) -> bool:
    own = cfg.roles.get(role)  # type: ignore[call-overload]
    return (own is not None and getattr(own, field) is not None) or _stated(cfg, field)


def _flag(role: str, field: str, default_role: bool) -> str:
    return f"--{field}" if default_role else f"--{role}-{field}"


def _models(recorded: RunSettings, cfg: AisciConfig) -> tuple[ModelSettings, dict[str, ModelSettings]]:
    """Each role's model: the offline model as recorded, any other only as the user names it
    (its api_base too: a recorded one must be named again)."""
    stated = cfg.role_settings()
    roles: dict[str, ModelSettings] = {}
    for role in ROLES:
        was = recorded.model_for(role)
        default_role = _where(was) == _where(recorded.model)
        named = _role_stated(cfg, role, "model")
        if not named:
            if was.model != OFFLINE_MODEL:
                raise _refuse(f"the {role} model", was.model, f"{_flag(role, 'model', default_role)}"
                              f" {was.model}", "its provider gets the run's prompts and a key")
            roles[role] = was.model_copy(update={"api_base": None})
            continue
        now = stated[role]
        if was.api_base and now.api_base is None and now.model == was.model and \
                not _role_stated(cfg, role, "api_base"):
            flag = ("--api-base URL" if default_role else
                    f"AISCI_{role.upper()}_API_BASE=URL (or [roles.{role}] api_base in --config)")
            raise _refuse(f"the {role} api_base", redact_url(was.api_base), flag,
                          "the server that gets the run's prompts")
        update: dict[str, Any] = {"model": now.model, "api_base": now.api_base}
        if (now.model, now.api_base) != (was.model, was.api_base):
            update["structured"] = StructuredMode.auto  # found out again at preflight
        roles[role] = was.model_copy(update=update)
    same = next((r for r in ROLES if _where(recorded.model_for(r)) == _where(recorded.model)),
                "coder")
    return roles[same], roles


def _where(model: ModelSettings) -> tuple[str, str | None]:
    return model.model, model.api_base


def _sandbox(recorded: RunSettings, cfg: AisciConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if _stated(cfg, "sandbox"):
        out["sandbox"] = cfg.sandbox
    elif recorded.sandbox == SandboxBackend.local:
        raise _refuse("sandbox", "local", "--sandbox local",
                      "model-written code would run on this machine, unisolated")
    else:
        out["sandbox"] = SandboxBackend.docker
    if _stated(cfg, "tex"):
        out["tex"] = cfg.tex
    elif recorded.tex == TexBackend.host:
        raise _refuse("tex", "host", "--tex host", "model-written LaTeX would run on this machine")
    else:
        out["tex"] = recorded.tex
    return out


def _executor(recorded: RunSettings, cfg: AisciConfig) -> dict[str, Any]:
    if _stated(cfg, "executor"):
        executor = cfg.executor
    elif recorded.executor == Executor.ray:
        raise _refuse("executor", "ray", "--executor ray", "the job folders would go to a cluster")
    else:
        executor = Executor.local
    address = cfg.ray_address if _stated(cfg, "ray_address") else None
    if executor == Executor.ray and recorded.ray_address and recorded.ray_address != address:
        raise _refuse("ray_address", recorded.ray_address, f"--ray-address {recorded.ray_address}",
                      "the cluster that gets the job folders")
    return {"executor": executor, "ray_address": address}


def _checkpointer(recorded: RunSettings, cfg: AisciConfig) -> str | None:
    if _stated(cfg, "checkpointer"):
        return cfg.checkpointer
    if recorded.checkpointer:
        raise _refuse("checkpointer", redact_url(recorded.checkpointer),
                      "--checkpointer URL (or AISCI_CHECKPOINTER)",
                      "the database whose checkpoints are loaded")
    return None


def _template(recorded: RunSettings, template: str | None) -> str:
    from agents.templates import available_templates

    if recorded.from_scratch:  # always the run's own template/ folder (agents.scaffold)
        return "none"
    if template is not None:
        return template
    if _PLAIN_NAME.fullmatch(recorded.template) and recorded.template in available_templates():
        return recorded.template
    raise _refuse("template", recorded.template, f"--template {recorded.template}",
                  "a folder whose files are read, shown to the model and run")


def _draft(recorded: RunSettings, run: RunFolder) -> Path | None:
    """The run's own copy of the draft (``draft/<name>``), never a path elsewhere."""
    if recorded.from_draft is None:
        return None
    name = recorded.from_draft.name
    problem = ""
    if not _PLAIN_NAME.fullmatch(name) or Path(name).suffix.lower() not in DRAFT_SUFFIXES:
        problem = "not a .tex or .pdf file name"
    else:
        try:
            copy = run.file(DRAFT_DIR, name)
        except OutsideRunFolder:
            copy = None
        if copy is not None and copy.is_file() and not copy.is_symlink():
            return copy
        problem = "not a regular file in the run's draft/ folder"
    raise ConfigError(f"run.json asks for the draft {str(recorded.from_draft)[:200]}: {problem}; "
                      f"a resume reads a draft only from the run's own draft/ folder")


def rederive(record: RunRecord, run: RunFolder, cfg: AisciConfig, *,
             template: str | None = None, max_cost: float | None = None,
             metric: str | None = None, lower_is_better: bool | None = None) -> RunSettings:
    """The settings a resume runs with: the record's, with everything that widens what aisci
    may do taken from ``cfg`` (what the user states) or refused (``Refused``). ``metric`` and
    ``lower_is_better``: the primary metric of a run that stopped because none was decided."""
    recorded = record.run_settings
    default, roles = _models(recorded, cfg)
    update: dict[str, Any] = {
        "model": default, "role_models": roles,
        **_sandbox(recorded, cfg), **_executor(recorded, cfg),
        "checkpointer": _checkpointer(recorded, cfg),
        "template": _template(recorded, template),
        "from_draft": _draft(recorded, run),
        # a recorded timeout stays within this machine's caps; an image is built only when asked
        "job_timeout_s": (min(recorded.job_timeout_s, cfg.max_limits.timeout_s)
                          if recorded.job_timeout_s is not None else None),
        "build_image": False,
    }
    if max_cost is not None:
        update["max_cost"] = max_cost
    if metric is not None or lower_is_better is not None:
        update |= {"metric": metric or recorded.metric, "lower_is_better": lower_is_better}
    return RunSettings.model_validate({**recorded.model_dump(), **update})


def unsafe_warnings(settings: RunSettings) -> list[str]:
    """What ``run`` and ``resume`` say before they run anything on this machine."""
    out = []
    if settings.sandbox == SandboxBackend.local:
        out.append("--sandbox local runs model-written code directly on this machine, with no "
                   "isolation.")
    if settings.tex_on_host:
        out.append("TeX runs on this machine: the paper's LaTeX is model-written. It runs in a "
                   "fresh folder with a cleared environment and paranoid file access, but "
                   "unisolated; --tex sandbox runs it in a container.")
    return out


def resume_flags(settings: RunSettings) -> str:
    """The flags a resume of a run with ``settings`` needs (what ``rederive`` asks for), for
    the hints aisci prints ("Continue with: aisci resume <id> ...")."""
    from agents.templates import available_templates

    flags: list[str] = []
    if settings.sandbox == SandboxBackend.local:
        flags.append("--sandbox local")
    if settings.tex == TexBackend.host:
        flags.append("--tex host")
    if settings.executor == Executor.ray:
        flags.append("--executor ray")
        if settings.ray_address:
            flags.append(f"--ray-address {settings.ray_address}")
    if settings.checkpointer:
        shown = redact_url(settings.checkpointer)
        flags.append(f"--checkpointer {shown if '***' not in shown else 'URL'}")
    if not settings.from_scratch and settings.template not in available_templates():
        flags.append(f"--template {settings.template}")
    default = settings.model
    if default.model != OFFLINE_MODEL:
        flags.append(f"--model {default.model}")
        if default.api_base:
            shown = redact_url(default.api_base)
            flags.append(f"--api-base {shown if '***' not in shown else 'URL'}")
    for role, model in settings.models_by_role().items():
        if _where(model) != _where(default) and model.model != OFFLINE_MODEL:
            flags.append(f"--{role}-model {model.model}")
    return " ".join(flags)
