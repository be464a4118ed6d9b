"""Fixtures of the settings tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture()
def clean_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No developer config file or AISCI_* variable leaks in; the working folder is empty."""
    for name in list(os.environ):
        if name.upper().startswith("AISCI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work
