"""Shared fixtures: a clean model environment for every test."""

from __future__ import annotations

import pytest

PROVIDER_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "AISCI_MODEL")


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's real keys or model settings."""
    for key in PROVIDER_KEYS:
        monkeypatch.delenv(key, raising=False)
