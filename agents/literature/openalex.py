"""OpenAlex (``/works?search=...``) as a literature source.

OpenAlex needs no key. Giving an e-mail address (``mailto``, or env ``OPENALEX_MAILTO``) puts
requests in its faster "polite pool". Abstracts come as an inverted index (word → positions)
and are rebuilt here; OpenAlex has no BibTeX, so ``PaperRecord.to_bibtex`` builds it.

Example::

    OpenAlexSource(mailto="me@example.org").search("decoupled weight decay", limit=5)
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from agents.literature.base import LiteratureResponseError
from agents.literature.http_client import PoliteClient, RetryPolicy
from agents.literature.records import PaperRecord, clean_arxiv_id

BASE_URL = "https://api.openalex.org"
MAX_LIMIT = 200
DEFAULT_POLICY = RetryPolicy(min_interval_s=0.2)
SELECT = ",".join([
    "id", "doi", "title", "display_name", "publication_year", "authorships",
    "primary_location", "locations", "abstract_inverted_index", "cited_by_count",
])
_ARXIV_DOI_PREFIX = "10.48550/arxiv."


class OpenAlexSource:
    """Work search on OpenAlex. Thread-safe."""

    name = "openalex"

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        mailto: str | None = None,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.mailto = mailto or os.environ.get("OPENALEX_MAILTO") or None
        self._http = PoliteClient(service="OpenAlex", base_url=base_url,
                                  policy=policy or DEFAULT_POLICY, transport=transport)

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        query = " ".join(query.split())
        if not query or limit <= 0:
            return []
        params: dict[str, str | int] = {
            "search": query, "per-page": min(limit, MAX_LIMIT), "select": SELECT}
        if self.mailto:
            params["mailto"] = self.mailto
        return parse_works(self._http.get_json("/works", params), source=self.name)[:limit]

    def close(self) -> None:
        self._http.close()


def rebuild_abstract(inverted: Any) -> str | None:
    """The abstract text from OpenAlex's ``{"word": [positions]}`` index."""
    if not isinstance(inverted, dict) or not inverted:
        return None
    placed: dict[int, str] = {}
    for word, positions in inverted.items():
        for pos in positions if isinstance(positions, list) else []:
            if isinstance(pos, int):
                placed[pos] = str(word)
    return " ".join(placed[i] for i in sorted(placed)) or None


def _arxiv_id(work: dict[str, Any]) -> str | None:
    doi = str(work.get("doi") or "").lower()
    if _ARXIV_DOI_PREFIX in doi:
        return clean_arxiv_id(doi.split(_ARXIV_DOI_PREFIX, 1)[1])
    locations = [work.get("primary_location"), *(work.get("locations") or [])]
    for loc in locations:
        if not isinstance(loc, dict):
            continue
        for field in ("landing_page_url", "pdf_url"):
            url = str(loc.get(field) or "")
            if "arxiv.org/" in url:
                found = clean_arxiv_id(url)
                if found:
                    return found
    return None


def _venue(work: dict[str, Any]) -> str | None:
    loc = work.get("primary_location")
    src = loc.get("source") if isinstance(loc, dict) else None
    name = src.get("display_name") if isinstance(src, dict) else None
    if not name:
        return None
    return "arXiv" if "arxiv" in str(name).lower() else str(name)


def parse_works(data: Any, *, source: str = "openalex") -> list[PaperRecord]:
    """Records from a ``/works`` answer (``{"meta": .., "results": [...]}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise LiteratureResponseError(
            "OpenAlex answered with JSON of an unexpected shape (no 'results' list); "
            "the API may have changed: use --literature semantic_scholar or offline")
    records: list[PaperRecord] = []
    for work in data["results"]:
        if not isinstance(work, dict):
            continue
        title = str(work.get("title") or work.get("display_name") or "").strip()
        if not title:
            continue
        authors = []
        for authorship in work.get("authorships") or []:
            author = authorship.get("author") if isinstance(authorship, dict) else None
            if isinstance(author, dict) and author.get("display_name"):
                authors.append(str(author["display_name"]))
        loc = work.get("primary_location")
        landing = loc.get("landing_page_url") if isinstance(loc, dict) else None
        year = work.get("publication_year")
        records.append(PaperRecord(
            title=title,
            authors=authors,
            year=year if isinstance(year, int) else None,
            venue=_venue(work),
            abstract=rebuild_abstract(work.get("abstract_inverted_index")),
            arxiv_id=_arxiv_id(work),
            doi=work.get("doi") or None,
            url=work.get("doi") or landing or work.get("id") or None,
            source=source,
            citation_count=work.get("cited_by_count"),
        ))
    return records
