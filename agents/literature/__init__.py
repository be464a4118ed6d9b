"""The literature layer: search sources, an offline library, and BibTeX from metadata.

The writer may cite only papers a source returned: every source yields ``PaperRecord``s, and
``bibliography(records)`` turns them into ``references.bib``.

Example::

    from agents.literature import get_source, bibliography
    source = get_source("auto", cache_dir=default_cache_dir())
    papers = source.search("classifier-free guidance", limit=5)
    bib = bibliography(papers)

A run that searches only the offline library never imports the HTTP clients.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "base": [
            "LibraryImportError", "LiteratureConfigError", "LiteratureError",
            "LiteratureResponseError", "LiteratureSource", "LiteratureUnavailable",
        ],
        "cache": ["CachedSource", "QueryCache"],
        "http_client": ["RetryPolicy"],
        "offline": ["ImportReport", "OfflineSource"],
        "records": ["PaperRecord", "bibliography", "dedupe", "unique_keys"],
        "registry": [
            "MultiSource", "default_cache_dir", "get_source", "literature_for_run",
            "offline_source", "resolve_name",
        ],
    },
)

if TYPE_CHECKING:
    from agents.literature.base import (
        LibraryImportError as LibraryImportError,
    )
    from agents.literature.base import (
        LiteratureConfigError as LiteratureConfigError,
    )
    from agents.literature.base import (
        LiteratureError as LiteratureError,
    )
    from agents.literature.base import (
        LiteratureResponseError as LiteratureResponseError,
    )
    from agents.literature.base import (
        LiteratureSource as LiteratureSource,
    )
    from agents.literature.base import (
        LiteratureUnavailable as LiteratureUnavailable,
    )
    from agents.literature.cache import CachedSource as CachedSource
    from agents.literature.cache import QueryCache as QueryCache
    from agents.literature.http_client import RetryPolicy as RetryPolicy
    from agents.literature.offline import (
        ImportReport as ImportReport,
    )
    from agents.literature.offline import (
        OfflineSource as OfflineSource,
    )
    from agents.literature.records import (
        PaperRecord as PaperRecord,
    )
    from agents.literature.records import (
        bibliography as bibliography,
    )
    from agents.literature.records import (
        dedupe as dedupe,
    )
    from agents.literature.records import (
        unique_keys as unique_keys,
    )
    from agents.literature.registry import (
        MultiSource as MultiSource,
    )
    from agents.literature.registry import (
        default_cache_dir as default_cache_dir,
    )
    from agents.literature.registry import (
        get_source as get_source,
    )
    from agents.literature.registry import (
        literature_for_run as literature_for_run,
    )
    from agents.literature.registry import (
        offline_source as offline_source,
    )
    from agents.literature.registry import (
        resolve_name as resolve_name,
    )
