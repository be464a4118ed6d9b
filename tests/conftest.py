"""Shared fixtures: a clean model environment for every test."""

from __future__ import annotations

import pytest

PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AISCI_MODEL")


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's real keys or model settings."""
    for key in PROVIDER_KEYS:
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def runs_stay_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A command without --runs-dir writes to the default runs folder: a temporary one here,
    never the developer's own (``~/.local/share/aisci/runs``)."""
    monkeypatch.delenv("AISCI_RUNS_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
