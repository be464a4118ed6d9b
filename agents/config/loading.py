"""aisci's settings: a TOML file, then ``AISCI_*`` environment variables, then command-line flags.

Later sources win. The file is the one named with ``--config``, else ``./aisci.toml``, else
``~/.config/aisci/config.toml`` (``$XDG_CONFIG_HOME/aisci/config.toml``)::

    model = "openai/qwen2.5-7b"
    api_base = "http://localhost:8000/v1"
    max_cost = 2.0

    [roles.coder]            # any of: ideation, novelty, coder, writer, reviewer
    model = "openai/qwen2.5-coder-32b"

The environment has ``AISCI_MODEL``, ``AISCI_API_BASE``, ``AISCI_MAX_COST``... and per role
``AISCI_CODER_MODEL``, ``AISCI_CODER_API_BASE``... API keys are never read from here: they stay
in the environment (``OPENAI_API_KEY``...), where litellm reads them.

An ``api_base`` found in a file that was not named with ``--config`` is *unconfirmed*: a
provider key is never sent there (preflight stops the run instead; see
``agents.preflight.checks.check_key_routing``).

    >>> config = load_config(model="mock", coder_model=None)   # None flags do not override
    >>> config.default_settings().model
    'mock/aisci-offline'
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from agents.config.flag import flag_of
from agents.config.secrets import is_secret_name
from agents.config.settings import (
    ROLES,
    FileSettings,
    LimitCaps,
    ModelFields,
    ModelSettings,
    Role,
)
from agents.errors import ConfigError
from agents.llm import OFFLINE_MODEL

ENV_PREFIX = "AISCI_"
#: Provider keys, and the model used when one of them is set and no model is configured.
KEY_DEFAULTS = (("OPENAI_API_KEY", "gpt-4o-mini"),
                ("ANTHROPIC_API_KEY", "anthropic/claude-sonnet-4-5"),
                ("GEMINI_API_KEY", "gemini/gemini-2.5-flash"))
OFFLINE_ALIASES = ("mock", "offline")

#: One role's overrides: the fields of ``ModelSettings``, every one optional, with their ranges
#: and descriptions (a role's ``max_tokens = -1`` is refused like the top-level one).
RoleOverrides: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "RoleOverrides", __config__=ConfigDict(extra="forbid", frozen=True),
    **{name: (Annotated[field.annotation | None,  # type: ignore[operator]
                        Field(description=field.description), *field.metadata], None)
       for name, field in ModelSettings.model_fields.items()},
)
ROLE_FIELDS = tuple(ModelSettings.model_fields)

#: The config file of the ``load_config`` call in progress (read by ``_FileSource``).
_file_data: ContextVar[Mapping[str, Any] | None] = ContextVar("aisci_config_file", default=None)


class AisciConfig(BaseSettings, ModelFields, FileSettings):
    """Every setting with its source resolved. ``model = None`` means: pick automatically.

    The run's settings are inherited from ``FileSettings`` and how to talk to a model from
    ``ModelFields``, so their types, defaults and descriptions are declared once; only what
    is not a run's setting is declared here.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True,
                                      env_ignore_empty=True)

    model: str | None = None
    roles: dict[Role, RoleOverrides] = Field(default_factory=dict)  # type: ignore[valid-type]
    max_limits: LimitCaps = Field(default_factory=LimitCaps, description=(
        "the most a template's [limits] may ask of one sandbox job"))
    #: Read by ``agents.config.runs_dir`` (a relative path counts from the file's folder).
    runs_dir: Path | None = None
    #: api_base values that came from a file found on its own (not --config, flags or env).
    unconfirmed_api_bases: frozenset[str] = frozenset()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: flags, then the environment, then the file. No .env, no secrets dir.
        return init_settings, _RoleEnvSource(settings_cls), env_settings, _FileSource(settings_cls)

    def resolved_model(self) -> tuple[str, bool]:
        """The default model, and whether it is the offline one picked because nothing was set."""
        if self.model:
            return _alias(self.model), False
        for key, default in KEY_DEFAULTS:
            if os.environ.get(key):
                return default, False
        return OFFLINE_MODEL, True

    def default_settings(self) -> ModelSettings:
        """How every role without its own settings talks to its model."""
        fields = {name: getattr(self, name) for name in ModelFields.model_fields}
        return ModelSettings(model=self.resolved_model()[0], **fields)

    def role_settings(self) -> dict[str, ModelSettings]:
        """Settings for each of the five roles, overrides applied.

        A role inherits every field it leaves out. The one exception is ``api_base``: a role
        that names a model of another provider (``gpt-4o`` next to a local ``openai/...``) does
        not inherit the top-level server address.
        """
        default = self.default_settings()
        out: dict[str, ModelSettings] = {}
        for role in ROLES:
            own = self.roles.get(role)
            changes: dict[str, Any] = own.model_dump(exclude_none=True) if own is not None else {}
            if "model" in changes:
                changes["model"] = _alias(changes["model"])
                if "api_base" not in changes and provider_prefix(changes["model"]) != provider_prefix(
                        default.model):
                    changes["api_base"] = None
            out[role] = default.model_copy(update=changes)
        return out

    def api_base_confirmed(self, api_base: str | None) -> bool:
        """Whether the user named ``api_base`` (flag, environment, or an explicit --config)."""
        return api_base is None or api_base not in self.unconfirmed_api_bases


def _alias(model: str) -> str:
    return OFFLINE_MODEL if model in OFFLINE_ALIASES else model


def provider_prefix(model: str) -> str:
    """The ``provider/`` part of a litellm model name ('' for bare names like ``gpt-4o``)."""
    return model.split("/", 1)[0] if "/" in model else ""


class _FileSource(PydanticBaseSettingsSource):
    """The config file's table, already parsed by ``load_config``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return (_file_data.get() or {}).get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_data.get() or {})


class _RoleEnvSource(PydanticBaseSettingsSource):
    """``AISCI_<ROLE>_<FIELD>`` variables, e.g. ``AISCI_CODER_MODEL``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        roles: dict[str, dict[str, str]] = {}
        for role in ROLES:
            for name in ROLE_FIELDS:
                value = _env(_role_env_name(role, name))
                if value:
                    roles.setdefault(role, {})[name] = value
        return {"roles": roles} if roles else {}


def _role_env_name(role: str, field: str) -> str:
    return f"{ENV_PREFIX}{role}_{field}".upper()


def _env(name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in os.environ.items() if k.lower() == lowered), None)


def config_path(explicit: Path | None = None) -> Path | None:
    """The config file to read: ``explicit``, else ``./aisci.toml``, else the user's."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
        return explicit
    local = Path("aisci.toml")
    if local.is_file():
        return local
    xdg = os.environ.get("XDG_CONFIG_HOME")
    user = (Path(xdg) if xdg else Path.home() / ".config") / "aisci" / "config.toml"
    return user if user.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's settings; ``ConfigError`` naming the file and line when it is not valid TOML."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. Fix that line or remove the file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    secret = next(_secret_looking_keys(data), None)
    if secret is not None:
        raise ConfigError(f"{path}: {secret} looks like a secret; aisci never reads keys from "
                          f"files. Remove it and export the key in the environment "
                          f"(e.g. OPENAI_API_KEY) instead.")
    if "unconfirmed_api_bases" in data:
        raise ConfigError(f"{path}: unknown setting unconfirmed_api_bases")
    return data


def _secret_looking_keys(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        trail = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _secret_looking_keys(value, f"{trail}.")
        elif is_secret_name(key):
            yield trail


def _file_api_bases(data: Mapping[str, Any]) -> set[str]:
    found = {str(data["api_base"])} if data.get("api_base") else set()
    roles = data.get("roles")
    if isinstance(roles, Mapping):
        found |= {str(r["api_base"]) for r in roles.values()
                  if isinstance(r, Mapping) and r.get("api_base")}
    return found


def load_config(path: Path | None = None, *, implicit_file: bool = True,
                **cli_overrides: Any) -> AisciConfig:
    """Settings from the file, the environment and flags (rising precedence).

    ``implicit_file=False`` reads a file only when ``path`` names one (``aisci resume``: what
    the user states, not a file that happens to be in the working folder).

    ``cli_overrides`` are top-level fields (``model="gpt-4o"``, ``max_cost=2.0``) or per-role
    ones (``coder_model=...``, ``writer_api_base=...``); those that are None do not override.

        >>> load_config(Path("aisci.toml"), model=None, parallel=4).parallel
        4
    """
    file = config_path(path) if path is not None or implicit_file else None
    file_data = read_config_file(file) if file else {}
    flags = _nest_flags(cli_overrides)
    named = set(_file_api_bases(flags)) | {v for k, v in os.environ.items()
                                          if k.upper().endswith("API_BASE") and v}
    unconfirmed = _file_api_bases(file_data) - named if path is None else set()
    token = _file_data.set(file_data)
    try:
        return AisciConfig(**flags, unconfirmed_api_bases=frozenset(unconfirmed))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, file, file_data, flags)) from None
    finally:
        _file_data.reset(token)


def _nest_flags(overrides: Mapping[str, Any]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for name, value in overrides.items():
        if value is None:
            continue
        role, _, field = name.partition("_")
        if role in ROLES and field in ROLE_FIELDS:
            flags.setdefault("roles", {}).setdefault(role, {})[field] = value
        elif name in AisciConfig.model_fields and name not in ("roles", "unconfirmed_api_bases"):
            flags[name] = value
        else:
            raise ConfigError(f"unknown setting {name!r}")
    return flags


def _explain(exc: ValidationError, file: Path | None, file_data: Mapping[str, Any],
             flags: Mapping[str, Any]) -> str:
    """One line: which setting, from which source, and what is wrong (never its value)."""
    error = exc.errors()[0]
    loc = [str(p) for p in error["loc"]]
    what = "unknown setting" if error["type"] == "extra_forbidden" else "invalid setting"
    problem = "" if error["type"] == "extra_forbidden" else f": {error['msg']}"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    role_field = loc[0] == "roles" and len(loc) > 2
    if _has(flags, loc):
        flag = f"--{loc[1]}-{loc[2]}".replace("_", "-") if role_field else _flag_name(loc)
        return f"{what} {flag}{problem}{more}"
    env_name = _role_env_name(loc[1], loc[2]) if role_field else f"{ENV_PREFIX}{loc[0]}".upper()
    if _env(env_name) is not None:
        return f"{what} {env_name}{problem}{more}"
    if file is not None and _has(file_data, loc):
        line = _line_of(file, loc)
        return f"{file}{f', line {line}' if line else ''}: {what} {'.'.join(loc)}{problem}{more}"
    return f"{what} {'.'.join(loc)}{problem}{more}"


def _flag_name(loc: list[str]) -> str:
    """The option a setting was given with, as its declaration names it (``--timeout`` for
    ``job_timeout_s``, ``--max-nodes`` for ``tree.max_nodes``)."""
    model: Any = AisciConfig
    for part in loc:
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(
            model, BaseModel) else None
        if field is None:
            break
        if (flag := flag_of(field)) is not None:
            return flag.name(part)
        model = field.annotation
    return "--" + loc[0].replace("_", "-")


def _line_of(file: Path, loc: list[str]) -> int | None:
    """The line where ``loc``'s key is set (after its ``[table]`` header, if any)."""
    lines = file.read_text(encoding="utf-8").splitlines()
    start = 0
    if len(loc) > 1:
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, loc[:-1])) + r"\s*\]")
        start = next((i + 1 for i, text in enumerate(lines) if header.match(text)), 0)
    key = re.compile(r"^\s*[\"']?" + re.escape(loc[-1]) + r"[\"']?\s*=")
    return next((i + 1 for i in range(start, len(lines)) if key.match(lines[i])), None)


def _has(data: Mapping[str, Any], loc: list[str]) -> bool:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True
