"""The literature layer: search sources, an offline library, and BibTeX from metadata.

The writer may cite only papers a source returned: every source yields ``PaperRecord``s, and
``bibliography(records)`` turns them into ``references.bib``.

Example::

    from agents.literature import get_source, bibliography
    source = get_source("auto", cache_dir=default_cache_dir())
    papers = source.search("classifier-free guidance", limit=5)
    bib = bibliography(papers)
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Each public name and the module that defines it: imported when first used, so a run that
#: searches only the offline library never imports the HTTP clients.
_WHERE = {
    "LibraryImportError": "base", "LiteratureConfigError": "base", "LiteratureError": "base",
    "LiteratureResponseError": "base", "LiteratureSource": "base",
    "LiteratureUnavailable": "base",
    "CachedSource": "cache", "QueryCache": "cache",
    "RetryPolicy": "http_client",
    "ImportReport": "offline", "OfflineSource": "offline",
    "PaperRecord": "records", "bibliography": "records", "dedupe": "records",
    "unique_keys": "records",
    "MultiSource": "registry", "default_cache_dir": "registry", "get_source": "registry",
    "offline_source": "registry",
}

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

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
