"""Where run folders are: the same folder from wherever a command is typed.

In rising precedence: the default, ``runs_dir`` in the config file (a relative path is read
from the file's folder), ``AISCI_RUNS_DIR``, ``--runs-dir``. The default is the user's data
folder, ``$XDG_DATA_HOME/aisci/runs`` (``~/.local/share/aisci/runs``): one place for all of a
user's runs, found by ``aisci list`` from any folder, that no ``cd`` can hide. Runs made
before there was a default stay in ``./runs``; the commands still look there (and say so).

    >>> resolve_runs_dir(None).path            # nothing set
    PosixPath('/home/me/.local/share/aisci/runs')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from agents.config.loading import config_path, read_config_file
from agents.errors import ConfigError

ENV = "AISCI_RUNS_DIR"
#: Where runs were made before there was a default (relative to the current folder).
LEGACY = Path("runs")


class RunsDir(NamedTuple):
    path: Path
    source: str  # "--runs-dir", "AISCI_RUNS_DIR", the config file's path, or "default"

    @property
    def is_default(self) -> bool:
        return self.source == "default"


def default_runs_dir() -> Path:
    data = os.environ.get("XDG_DATA_HOME")
    return (Path(data) if data else Path.home() / ".local" / "share") / "aisci" / "runs"


def resolve_runs_dir(flag: Path | None, config: Path | None = None) -> RunsDir:
    """The runs folder and where that choice came from."""
    if flag is not None:
        return RunsDir(flag.expanduser(), "--runs-dir")
    env = os.environ.get(ENV, "").strip()
    if env:
        return RunsDir(Path(env).expanduser(), ENV)
    file = config_path(config)
    if file is not None:
        value = read_config_file(file).get("runs_dir")
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{file}: runs_dir must be a folder path (a string)")
            path = Path(value).expanduser()
            return RunsDir(path if path.is_absolute() else file.parent.resolve() / path, str(file))
    return RunsDir(default_runs_dir(), "default")


def run_folders(folder: Path) -> list[Path]:
    """The run folders directly in ``folder`` (those with a run.json), by name."""
    return sorted(p.parent for p in folder.glob("*/run.json")) if folder.is_dir() else []


def legacy_runs(runs: RunsDir) -> list[Path]:
    """Runs in ./runs that the default folder does not hold (only when nothing was set)."""
    if not runs.is_default or not LEGACY.is_dir():
        return []
    if LEGACY.resolve() == runs.path.resolve():
        return []
    return run_folders(LEGACY)
