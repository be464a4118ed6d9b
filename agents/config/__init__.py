"""Settings: the run's settings types, and the config file, environment and flags merged once.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "flag": ["Flag", "PANELS", "flag_of"],
        "loading": ["AisciConfig", "load_config"],
        "runs_dir": ["LEGACY", "RunsDir", "legacy_runs", "resolve_runs_dir", "run_folders"],
        "secrets": ["is_secret_name", "redact", "redact_settings", "redact_url"],
        "settings": [
            "DEFAULT_TEMPERATURES", "Executor", "FileSettings", "LimitCaps", "LiteratureChoice",
            "ModelFields", "ModelSettings", "ROLES", "RunSettings", "SandboxBackend", "SearchMode",
            "StructuredMode", "TexBackend", "Tracker", "TreeSettings",
        ],
    },
)

if TYPE_CHECKING:
    from agents.config.flag import PANELS as PANELS
    from agents.config.flag import Flag as Flag
    from agents.config.flag import flag_of as flag_of
    from agents.config.loading import AisciConfig as AisciConfig
    from agents.config.loading import load_config as load_config
    from agents.config.runs_dir import (
        LEGACY as LEGACY,
    )
    from agents.config.runs_dir import (
        RunsDir as RunsDir,
    )
    from agents.config.runs_dir import (
        legacy_runs as legacy_runs,
    )
    from agents.config.runs_dir import (
        resolve_runs_dir as resolve_runs_dir,
    )
    from agents.config.runs_dir import (
        run_folders as run_folders,
    )
    from agents.config.secrets import (
        is_secret_name as is_secret_name,
    )
    from agents.config.secrets import (
        redact as redact,
    )
    from agents.config.secrets import (
        redact_settings as redact_settings,
    )
    from agents.config.secrets import (
        redact_url as redact_url,
    )
    from agents.config.settings import (
        DEFAULT_TEMPERATURES as DEFAULT_TEMPERATURES,
    )
    from agents.config.settings import (
        ROLES as ROLES,
    )
    from agents.config.settings import (
        Executor as Executor,
    )
    from agents.config.settings import (
        FileSettings as FileSettings,
    )
    from agents.config.settings import (
        LimitCaps as LimitCaps,
    )
    from agents.config.settings import (
        LiteratureChoice as LiteratureChoice,
    )
    from agents.config.settings import (
        ModelFields as ModelFields,
    )
    from agents.config.settings import (
        ModelSettings as ModelSettings,
    )
    from agents.config.settings import (
        RunSettings as RunSettings,
    )
    from agents.config.settings import (
        SandboxBackend as SandboxBackend,
    )
    from agents.config.settings import (
        SearchMode as SearchMode,
    )
    from agents.config.settings import (
        StructuredMode as StructuredMode,
    )
    from agents.config.settings import (
        TexBackend as TexBackend,
    )
    from agents.config.settings import (
        Tracker as Tracker,
    )
    from agents.config.settings import (
        TreeSettings as TreeSettings,
    )
