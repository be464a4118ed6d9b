"""What every literature source offers, and the errors it may raise.

A source answers a free-text query with at most ``limit`` papers, best first. Failures that a
user can act on raise a ``LiteratureError`` whose message is one line saying what happened and
what to do next; the CLI prints it without a traceback.

Example::

    from agents.literature import get_source
    source = get_source("offline", cache_dir=Path("~/.cache/aisci").expanduser())
    for paper in source.search("denoising diffusion probabilistic models", limit=3):
        print(paper.cite_line())
"""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from agents.errors import AisciError
from agents.literature.records import PaperRecord

SourceName = Literal["offline", "semantic_scholar", "openalex", "arxiv"]
SOURCE_NAMES: tuple[SourceName, ...] = ("offline", "semantic_scholar", "openalex", "arxiv")


@runtime_checkable
class LiteratureSource(Protocol):
    """A searchable body of literature. Implementations are safe to call from several threads."""

    name: str

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        """At most ``limit`` papers for ``query``, best first; ``[]`` when nothing matches."""
        ...


class LiteratureError(AisciError):
    """A literature source failed in a way the user can act on."""


class LiteratureUnavailable(LiteratureError):
    """The service could not be reached or kept refusing (rate limits, 5xx, timeouts)."""


class LiteratureResponseError(LiteratureError):
    """The service answered, but not with something usable (bad status, malformed body)."""


class LiteratureConfigError(LiteratureError):
    """An unknown source name or a setting that cannot work."""


class LibraryImportError(LiteratureError):
    """A file given to ``import_library`` cannot be read at all."""
