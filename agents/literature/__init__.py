"""The literature layer: search sources, an offline library, and BibTeX from metadata.

The writer may cite only papers a source returned: every source yields ``PaperRecord``s, and
``bibliography(records)`` turns them into ``references.bib``.

Example::

    from agents.literature import get_source, bibliography
    source = get_source("auto", cache_dir=default_cache_dir())
    papers = source.search("classifier-free guidance", limit=5)
    bib = bibliography(papers)
"""

from agents.literature.base import (
    LibraryImportError,
    LiteratureConfigError,
    LiteratureError,
    LiteratureResponseError,
    LiteratureSource,
    LiteratureUnavailable,
)
from agents.literature.cache import CachedSource, QueryCache
from agents.literature.http_client import RetryPolicy
from agents.literature.offline import ImportReport, OfflineSource
from agents.literature.records import PaperRecord, bibliography, dedupe, unique_keys
from agents.literature.registry import (
    MultiSource,
    default_cache_dir,
    get_source,
    offline_source,
)

__all__ = [
    "CachedSource",
    "ImportReport",
    "LibraryImportError",
    "LiteratureConfigError",
    "LiteratureError",
    "LiteratureResponseError",
    "LiteratureSource",
    "LiteratureUnavailable",
    "MultiSource",
    "OfflineSource",
    "PaperRecord",
    "QueryCache",
    "RetryPolicy",
    "bibliography",
    "dedupe",
    "default_cache_dir",
    "get_source",
    "offline_source",
    "unique_keys",
]
