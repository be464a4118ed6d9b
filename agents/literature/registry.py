"""Choosing a literature source by name, and combining several.

``auto`` is deterministic: the offline library, unless the environment variable
``AISCI_LITERATURE`` names another source. Online sources sit behind the on-disk query cache
(``<cache_dir>/literature.sqlite``); the offline index lives at
``<cache_dir>/offline_index.sqlite`` and the user's imported library beside it.

Example::

    source = get_source("auto", cache_dir=default_cache_dir())
    papers = source.search("warmup cosine learning rate schedule", limit=5)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

from agents.config import LiteratureChoice
from agents.literature.base import (
    SOURCE_NAMES,
    LiteratureConfigError,
    LiteratureError,
    LiteratureSource,
    SourceName,
)
from agents.literature.cache import CachedSource, QueryCache
from agents.literature.offline import OfflineSource
from agents.literature.records import PaperRecord, dedupe

logger = logging.getLogger(__name__)

ENV_VAR = "AISCI_LITERATURE"
CACHE_FILE = "literature.sqlite"
INDEX_FILE = "offline_index.sqlite"
LIBRARY_FILE = "library.jsonl"


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/aisci``, else ``~/.cache/aisci``."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aisci"


def resolve_name(name: str, *, offline_only: bool = False,
                 env: Mapping[str, str] | None = None) -> SourceName:
    """The concrete source that ``name`` stands for (``auto`` resolved)."""
    env = os.environ if env is None else env
    choices = [*SOURCE_NAMES, LiteratureChoice.auto.value]
    valid = ", ".join(choices)
    if name not in choices:
        raise LiteratureConfigError(f"unknown literature source {name!r}; choose one of {valid}")
    if name == "auto":
        wanted = env.get(ENV_VAR, "").strip().lower() or "offline"
        if wanted not in SOURCE_NAMES:
            raise LiteratureConfigError(
                f"{ENV_VAR}={wanted!r} is not a literature source; set it to one of "
                f"{', '.join(SOURCE_NAMES)}, or unset it")
        if offline_only and wanted != "offline":
            logger.info("%s=%s ignored: offline only", ENV_VAR, wanted)
            return "offline"
        return wanted
    if offline_only and name != "offline":
        raise LiteratureConfigError(
            f"the literature source {name!r} needs the network, but this run is offline only; "
            "use --literature offline")
    return cast(SourceName, name)


def offline_source(cache_dir: Path, *, library_path: Path | None = None) -> OfflineSource:
    """The offline index of ``cache_dir`` (the bundled corpus plus the imported library)."""
    cache_dir = Path(cache_dir)
    return OfflineSource(cache_dir / INDEX_FILE,
                         library_path=library_path or cache_dir / LIBRARY_FILE)


def get_source(name: str = "auto", cache_dir: Path | None = None,
               offline_only: bool = False) -> LiteratureSource:
    """A ready source for ``name``; online ones answer repeated queries from the cache."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    resolved = resolve_name(name, offline_only=offline_only)
    if resolved == "offline":
        return offline_source(cache_dir)
    # the online sources (and httpx under them) are imported only when one is used
    online: LiteratureSource
    if resolved == "semantic_scholar":
        from agents.literature.semantic_scholar import SemanticScholarSource

        online = SemanticScholarSource()
    elif resolved == "openalex":
        from agents.literature.openalex import OpenAlexSource

        online = OpenAlexSource()
    else:
        from agents.literature.arxiv import ArxivSource

        online = ArxivSource()
    return CachedSource(online, QueryCache(cache_dir / CACHE_FILE))


class MultiSource:
    """Several sources as one: answers interleaved best-first, duplicates dropped.

    A failing source is logged and skipped; only when every source fails does ``search`` raise
    (the first source's error).
    """

    def __init__(self, sources: Sequence[LiteratureSource]) -> None:
        if not sources:
            raise LiteratureConfigError("MultiSource needs at least one source")
        self.sources = list(sources)
        self.name = "+".join(s.name for s in self.sources)

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        answers: list[list[PaperRecord]] = []
        errors: list[LiteratureError] = []
        for source in self.sources:
            try:
                answers.append(source.search(query, limit))
            except LiteratureError as exc:
                logger.warning("%s failed, using the other sources: %s", source.name, exc)
                errors.append(exc)
        if errors and not answers:
            raise errors[0]
        interleaved = [rec for rank in zip_longest_records(answers) for rec in rank]
        return dedupe(interleaved)[:limit]


def zip_longest_records(answers: Sequence[Sequence[PaperRecord]]) -> list[list[PaperRecord]]:
    """``[[a1, a2], [b1]]`` → ``[[a1, b1], [a2]]``: rank by rank across sources."""
    depth = max((len(a) for a in answers), default=0)
    return [[a[i] for a in answers if i < len(a)] for i in range(depth)]


def literature_for_run(name: str, *,
                       cache_dir: Path | None = None) -> tuple[LiteratureSource, str]:
    """The run's source, and a note when the novelty check can only read the bundled offline
    library (the verdicts then rest on that library alone)."""
    source = get_source(name, cache_dir=cache_dir or default_cache_dir())
    note = ""
    if resolve_name(name) == "offline":
        note = ("Only the offline library was searched (the bundled papers and any imported "
                "library): novelty verdicts rest on it alone. Pass --literature "
                "semantic_scholar, openalex or arxiv to search online.")
    return source, note
