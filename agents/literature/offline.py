"""The offline literature source: a local full-text index (SQLite FTS5, bm25 ranking).

The index covers the bundled corpus (``agents/literature/data/papers.jsonl``: papers in the areas of the
shipped templates) plus the user's own library (``library.jsonl`` beside the index, filled by
``import_library`` from a ``.bib`` or ``.jsonl`` file). The index is derived data: it is built on
first use and rebuilt whenever either file changes (their hashes are stored in the index), so
deleting it loses nothing. Builds write a temporary file and rename it into place.

Example::

    source = OfflineSource(Path("~/.cache/aisci/offline_index.sqlite").expanduser())
    source.search("adaptive moment estimation optimizer", limit=3)[0].title
    # 'Adam: A Method for Stochastic Optimization'
    source.import_library(Path("my_refs.bib")).added
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from pydantic import BaseModel

from agents.literature.base import LiteratureError
from agents.literature.library_files import SkippedEntry, parse_jsonl, read_library
from agents.literature.records import PaperRecord, dedupe

logger = logging.getLogger(__name__)

BUNDLED_CORPUS = Path(__file__).resolve().parent / "data" / "papers.jsonl"
INDEX_VERSION = "2"
# Titles and the rest are indexed apart: FTS5's bm25 normalizes by the length of the whole row,
# which would let a long summary outweigh an exact title. A title hit counts _TITLE_WEIGHT times.
_TEXT_COLUMNS = ("ids", "authors", "body", "venue")
_TEXT_WEIGHTS = "5.0, 2.0, 1.0, 0.5"
_TITLE_WEIGHT = 3.0
_SEARCH_SQL = f"""
WITH hits AS (
    SELECT rowid AS id, {_TITLE_WEIGHT} * bm25(titles) AS score FROM titles WHERE titles MATCH :q
    UNION ALL
    SELECT rowid AS id, bm25(texts, {_TEXT_WEIGHTS}) AS score FROM texts WHERE texts MATCH :q
)
SELECT p.record FROM hits JOIN papers AS p ON p.id = hits.id
GROUP BY hits.id ORDER BY sum(hits.score), hits.id LIMIT :limit
"""  # noqa: S608 - built from constants only
_TOKENIZER = "tokenize = 'porter unicode61 remove_diacritics 2'"
_STOPWORDS = frozenset({
    "a", "an", "the", "of", "on", "in", "for", "to", "and", "or", "with", "via", "from", "by",
    "is", "are", "at", "as", "we", "our", "using", "based",
})


class ImportReport(BaseModel):
    """What ``import_library`` did with one file."""

    path: str
    added: int
    duplicates: int
    skipped: list[SkippedEntry]

    def summary(self) -> str:
        return (f"{self.path}: {self.added} added, {self.duplicates} already in the library, "
                f"{len(self.skipped)} skipped")


def fts_query(query: str) -> str:
    """Free text → an FTS5 expression: any of the words, each quoted (no FTS syntax leaks)."""
    words = re.findall(r"\w+", query.lower())
    kept = [w for w in words if w not in _STOPWORDS] or words
    unique = list(dict.fromkeys(kept))[:32]
    return " OR ".join(f'"{w}"' for w in unique)


class OfflineSource:
    """Search over the bundled corpus and the user's library, without network. Thread-safe."""

    name = "offline"

    def __init__(
        self,
        index_path: Path,
        *,
        corpus_path: Path = BUNDLED_CORPUS,
        library_path: Path | None = None,
    ) -> None:
        self.index_path = Path(index_path)
        self.corpus_path = Path(corpus_path)
        self.library_path = Path(library_path) if library_path else (
            self.index_path.parent / "library.jsonl")
        self._lock = threading.Lock()
        self._known: tuple[tuple[int, int] | None, ...] | None = None

    # -- searching ----------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        expression = fts_query(query)
        if not expression or limit <= 0:
            return []
        self._ensure_index()
        try:
            with closing(sqlite3.connect(self.index_path, timeout=10.0)) as conn:
                rows = conn.execute(_SEARCH_SQL, {"q": expression, "limit": limit}).fetchall()
        except sqlite3.Error as exc:
            raise LiteratureError(
                f"the offline index {self.index_path} cannot be searched ({exc}); delete it to "
                "have it rebuilt") from None
        return [PaperRecord.model_validate_json(row[0]) for row in rows]

    def count(self) -> int:
        """How many papers the index holds."""
        self._ensure_index()
        with closing(sqlite3.connect(self.index_path)) as conn:
            return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    # -- importing ----------------------------------------------------------------------

    def import_library(self, path: Path) -> ImportReport:
        """Add the entries of a ``.bib`` or ``.jsonl`` file to the user's library and index."""
        parsed = read_library(path, source=self.name)
        with self._lock:
            existing = dedupe(self._corpus_records() + self._library_records())
            # dedupe keeps first occurrences in order, so what follows ``existing`` is new.
            new = dedupe(existing + parsed.records)[len(existing):]
            if new:
                self._append_library(new)
            self._known = None
        self._ensure_index()
        report = ImportReport(path=str(path), added=len(new),
                              duplicates=len(parsed.records) - len(new),
                              skipped=parsed.skipped)
        logger.info("%s", report.summary())
        return report

    def _append_library(self, records: list[PaperRecord]) -> None:
        existing = self.library_path.read_text("utf-8") if self.library_path.exists() else ""
        if existing and not existing.endswith("\n"):
            existing += "\n"
        lines = "".join(r.model_dump_json(exclude={"key"}) + "\n" for r in records)
        self.library_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.library_path.with_name(f".{self.library_path.name}.{os.getpid()}.tmp")
        tmp.write_text(existing + lines, encoding="utf-8")
        os.replace(tmp, self.library_path)

    # -- the index ----------------------------------------------------------------------

    def _corpus_records(self) -> list[PaperRecord]:
        try:
            text = self.corpus_path.read_text("utf-8")
        except OSError as exc:
            raise LiteratureError(
                f"the bundled corpus {self.corpus_path} cannot be read ({exc.strerror}); "
                "reinstall aisci") from None
        parsed = parse_jsonl(text, source=self.name)
        for bad in parsed.skipped:
            logger.warning("bundled corpus %s, %s: %s", self.corpus_path, bad.where, bad.reason)
        return parsed.records

    def _library_records(self) -> list[PaperRecord]:
        if not self.library_path.exists():
            return []
        parsed = parse_jsonl(self.library_path.read_text("utf-8"), source=self.name)
        for bad in parsed.skipped:
            logger.warning("library %s, %s: %s", self.library_path, bad.where, bad.reason)
        return parsed.records

    def _stats(self) -> tuple[tuple[int, int] | None, ...]:
        out: list[tuple[int, int] | None] = []
        for path in (self.corpus_path, self.library_path, self.index_path):
            try:
                st = path.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def _fingerprint(self) -> str:
        digest = hashlib.sha256(INDEX_VERSION.encode())
        for path in (self.corpus_path, self.library_path):
            digest.update(path.read_bytes() if path.exists() else b"")
            digest.update(b"\0")
        return digest.hexdigest()

    def _stored_fingerprint(self) -> str | None:
        if not self.index_path.exists():
            return None
        try:
            with closing(sqlite3.connect(self.index_path)) as conn:
                row = conn.execute("SELECT value FROM meta WHERE name='fingerprint'").fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None

    def _ensure_index(self) -> None:
        with self._lock:
            stats = self._stats()
            if stats == self._known:
                return
            fingerprint = self._fingerprint()
            if self._stored_fingerprint() != fingerprint:
                self._build(fingerprint)
            self._known = self._stats()

    def _build(self, fingerprint: str) -> None:
        records = dedupe(self._corpus_records() + self._library_records())
        self.index_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.index_path.with_name(
            f".{self.index_path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.unlink(missing_ok=True)
        with closing(sqlite3.connect(tmp)) as conn:
            conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            conn.execute("CREATE TABLE papers (id INTEGER PRIMARY KEY, record TEXT NOT NULL)")
            conn.execute(f"CREATE VIRTUAL TABLE titles USING fts5(title, {_TOKENIZER})")
            conn.execute(
                f"CREATE VIRTUAL TABLE texts USING fts5({', '.join(_TEXT_COLUMNS)}, {_TOKENIZER})")
            for rowid, r in enumerate(records, start=1):
                conn.execute("INSERT INTO papers VALUES (?, ?)",
                             (rowid, json.dumps(r.model_dump(mode="json", exclude={"key"}))))
                conn.execute("INSERT INTO titles (rowid, title) VALUES (?, ?)", (rowid, r.title))
                conn.execute(
                    "INSERT INTO texts (rowid, ids, authors, body, venue) VALUES (?, ?, ?, ?, ?)",
                    (rowid, " ".join(filter(None, [r.arxiv_id, r.doi])), " ".join(r.authors),
                     r.text, r.venue or ""))
            conn.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
            conn.commit()
        os.replace(tmp, self.index_path)
        logger.info("built the offline literature index %s (%d papers)", self.index_path,
                    len(records))
