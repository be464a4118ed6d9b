"""The SQLite query cache: no query is paid for twice, and a broken cache never breaks search."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agents.literature.cache import CachedSource, QueryCache
from agents.literature.records import PaperRecord

from .fakes import FAST, Backend, FakeServer, ok


def test_second_identical_search_makes_no_request(
        server: FakeServer, backend: Backend, tmp_path: Path) -> None:
    server.script(ok(backend))
    source = CachedSource(backend.make(server.url, FAST), QueryCache(tmp_path / "c.sqlite"))
    first = source.search("denoising diffusion", limit=5)
    second = source.search("  Denoising   DIFFUSION ", limit=5)
    assert len(server.requests) == 1
    assert second == first
    assert second[0].source == backend.name


def test_cache_survives_a_new_process(server: FakeServer, backend: Backend,
                                      tmp_path: Path) -> None:
    server.script(ok(backend))
    path = tmp_path / "c.sqlite"
    CachedSource(backend.make(server.url, FAST), QueryCache(path)).search("diffusion")
    again = CachedSource(backend.make(server.url, FAST), QueryCache(path)).search("diffusion")
    assert again and len(server.requests) == 1


def test_other_limit_or_query_is_a_new_request(server: FakeServer, backend: Backend,
                                               tmp_path: Path) -> None:
    server.script(ok(backend))
    source = CachedSource(backend.make(server.url, FAST), QueryCache(tmp_path / "c.sqlite"))
    source.search("diffusion", limit=5)
    source.search("diffusion", limit=2)
    source.search("score matching", limit=5)
    assert len(server.requests) == 3


def test_expired_entries_are_fetched_again(server: FakeServer, backend: Backend,
                                           tmp_path: Path) -> None:
    server.script(ok(backend))
    source = CachedSource(backend.make(server.url, FAST),
                          QueryCache(tmp_path / "c.sqlite", ttl_s=-1.0))
    source.search("diffusion")
    source.search("diffusion")
    assert len(server.requests) == 2


def test_corrupt_cache_file_is_bypassed(server: FakeServer, backend: Backend, tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    server.script(ok(backend))
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    source = CachedSource(backend.make(server.url, FAST), QueryCache(path))
    with caplog.at_level(logging.WARNING, logger="agents.literature.cache"):
        assert source.search("diffusion")
    assert "literature cache" in caplog.text


def test_failed_search_is_not_cached(tmp_path: Path) -> None:
    class Flaky:
        name = "flaky"
        calls = 0

        def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("boom")
            return [PaperRecord(title="T", source="flaky")]

    inner = Flaky()
    source = CachedSource(inner, QueryCache(tmp_path / "c.sqlite"))
    with pytest.raises(RuntimeError):
        source.search("q")
    assert source.search("q")[0].title == "T"
    assert source.search("q")[0].title == "T"
    assert inner.calls == 2
