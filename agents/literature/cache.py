"""An on-disk SQLite cache of search answers, so no query is paid for twice.

The key is the source's name, the normalized query and the limit; the value is the JSON list of
records. Entries older than the TTL are ignored (and overwritten by the next answer). Only
records are stored: never a header, an API key or a URL with credentials.

A cache that cannot be opened or read (a corrupt file, a read-only disk) is logged and skipped:
searching still works, it just costs a request.

Example::

    cache = QueryCache(Path("~/.cache/aisci/literature.sqlite").expanduser())
    source = CachedSource(SemanticScholarSource(), cache)
    source.search("grokking")   # HTTP
    source.search("Grokking ")  # from the cache
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

from pydantic import ValidationError

from agents.literature.base import LiteratureSource
from agents.literature.records import PaperRecord

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 30 * 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    source TEXT NOT NULL,
    query TEXT NOT NULL,
    lim INTEGER NOT NULL,
    created REAL NOT NULL,
    records TEXT NOT NULL,
    PRIMARY KEY (source, query, lim)
)
"""


def normalize_query(query: str) -> str:
    """Case and whitespace do not change what a search engine answers."""
    return " ".join(query.lower().split())


class QueryCache:
    """Search answers on disk, keyed by (source, normalized query, limit). Thread-safe."""

    def __init__(self, path: Path, *, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.path = Path(path)
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10.0)
        if not self._ready:
            conn.execute(_SCHEMA)
            conn.commit()
            self._ready = True
        return conn

    def get(self, source: str, query: str, limit: int) -> list[PaperRecord] | None:
        """The cached answer, or None when absent, expired or unreadable."""
        try:
            with self._lock, closing(self._connect()) as conn:
                row = conn.execute(
                    "SELECT created, records FROM searches WHERE source=? AND query=? AND lim=?",
                    (source, normalize_query(query), limit),
                ).fetchone()
        except (sqlite3.Error, OSError) as exc:
            logger.warning("literature cache %s unreadable (%s); searching without it",
                           self.path, exc)
            return None
        if row is None or time.time() - row[0] > self.ttl_s:
            return None
        try:
            return [PaperRecord.model_validate(item) for item in json.loads(row[1])]
        except (ValueError, TypeError, ValidationError):
            logger.warning("literature cache entry for %r is damaged; searching again", query)
            return None

    def put(self, source: str, query: str, limit: int, records: list[PaperRecord]) -> None:
        payload = json.dumps([r.model_dump(mode="json", exclude={"key"}) for r in records])
        try:
            with self._lock, closing(self._connect()) as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO searches VALUES (?, ?, ?, ?, ?)",
                    (source, normalize_query(query), limit, time.time(), payload),
                )
                conn.commit()
        except (sqlite3.Error, OSError) as exc:
            logger.warning("literature cache %s not writable (%s); answer not cached",
                           self.path, exc)

    def clear(self) -> None:
        with self._lock, closing(self._connect()) as conn:
            conn.execute("DELETE FROM searches")
            conn.commit()


class CachedSource:
    """Any source behind a ``QueryCache``: same name, same answers, each query paid once."""

    def __init__(self, inner: LiteratureSource, cache: QueryCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        cached = self.cache.get(self.name, query, limit)
        if cached is not None:
            logger.debug("%s: cache hit for %r", self.name, query)
            return cached
        records = self.inner.search(query, limit)
        self.cache.put(self.name, query, limit, records)
        return records

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()
