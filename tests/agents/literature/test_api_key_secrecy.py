"""The Semantic Scholar API key goes out as a header and nowhere else: no log, cache, repr."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agents.literature.base import LiteratureUnavailable
from agents.literature.cache import CachedSource, QueryCache
from agents.literature.semantic_scholar import SemanticScholarSource

from .fakes import DATA, FAST, FakeServer, Reply

SECRET = "s2-test-key-Zq81xVb3"


def test_key_is_sent_as_header_and_stored_nowhere(
        server: FakeServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "0"}),
                  Reply(body=(DATA / "s2_search.json").read_text()))
    cache_path = tmp_path / "literature.sqlite"
    inner = SemanticScholarSource(base_url=server.url, api_key=SECRET, policy=FAST)
    source = CachedSource(inner, QueryCache(cache_path))
    with caplog.at_level(logging.DEBUG):
        papers = source.search("denoising diffusion")
        source.search("denoising diffusion")

    assert papers
    assert [r.headers.get("x-api-key") for r in server.requests] == [SECRET, SECRET]
    assert caplog.records  # the retry and the request were logged ...
    assert all(SECRET not in r.getMessage() for r in caplog.records)  # ... without the key
    assert SECRET not in caplog.text
    assert SECRET.encode() not in cache_path.read_bytes()
    assert SECRET not in repr(inner)


def test_key_from_environment(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S2_API_KEY", raising=False)
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", SECRET)
    server.script(Reply(body=(DATA / "s2_search.json").read_text()))
    SemanticScholarSource(base_url=server.url, policy=FAST).search("diffusion")
    assert server.requests[0].headers["x-api-key"] == SECRET


def test_no_key_no_header(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S2_API_KEY", raising=False)
    monkeypatch.delenv("SEMANTIC_SCHOLAR_API_KEY", raising=False)
    server.script(Reply(body=(DATA / "s2_search.json").read_text()))
    SemanticScholarSource(base_url=server.url, policy=FAST).search("diffusion")
    assert "x-api-key" not in server.requests[0].headers


def test_key_absent_from_errors(server: FakeServer) -> None:
    server.script(Reply(status=403, body='{"message": "Forbidden"}'))
    source = SemanticScholarSource(base_url=server.url, api_key=SECRET, policy=FAST)
    with pytest.raises(Exception) as info:
        source.search("diffusion")
    assert "check the API key" in str(info.value)
    assert SECRET not in str(info.value)

    server.script(Reply(status=429))
    with pytest.raises(LiteratureUnavailable) as unavailable:
        source.search("other")
    assert SECRET not in str(unavailable.value)
