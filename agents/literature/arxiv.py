"""The arXiv API (Atom XML from ``/api/query``) as a literature source.

arXiv asks clients to leave about three seconds between requests; the default policy does.
The feed is parsed with ``xml.etree``; a body that declares a DTD or entities is refused before
parsing, since an Atom feed never needs one (no entity-expansion or external-entity tricks).

Example::

    ArxivSource().search("rectified flow", limit=5)
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx

from agents.literature.base import LiteratureResponseError
from agents.literature.http_client import PoliteClient, RetryPolicy
from agents.literature.records import PaperRecord, clean_arxiv_id

BASE_URL = "https://export.arxiv.org"
QUERY_PATH = "/api/query"
MAX_LIMIT = 100
DEFAULT_POLICY = RetryPolicy(min_interval_s=3.0, timeout_s=20.0, deadline_s=45.0)
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_UNSAFE_XML = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class ArxivSource:
    """Search on arXiv. Thread-safe."""

    name = "arxiv"

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = PoliteClient(service="arXiv", base_url=base_url,
                                  policy=policy or DEFAULT_POLICY, transport=transport)

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        search_query = build_query(query)
        if not search_query or limit <= 0:
            return []
        text = self._http.get_text(QUERY_PATH, {
            "search_query": search_query, "start": 0, "max_results": min(limit, MAX_LIMIT),
            "sortBy": "relevance", "sortOrder": "descending"})
        return parse_feed(text, source=self.name)[:limit]

    def close(self) -> None:
        self._http.close()


def build_query(query: str) -> str:
    """Free text → arXiv's query syntax: every word must appear (``all:a AND all:b``)."""
    words = re.findall(r"[\w][\w\-]*", query)
    return " AND ".join(f"all:{w}" for w in words[:12])


def _text(node: ET.Element | None) -> str:
    return " ".join((node.text or "").split()) if node is not None else ""


def parse_feed(text: str, *, source: str = "arxiv") -> list[PaperRecord]:
    """Records from an arXiv Atom feed; an error feed raises ``LiteratureResponseError``."""
    if _UNSAFE_XML.search(text[:4096]):
        raise LiteratureResponseError(
            "arXiv answered with XML that declares a DTD or entities; refused for safety. "
            "Check the base URL, or use --literature offline")
    try:
        root = ET.fromstring(text)  # noqa: S314 - DTD/entity declarations were refused above
    except ET.ParseError as exc:
        raise LiteratureResponseError(
            f"arXiv answered with malformed XML ({exc}); the service may be degraded: "
            "try again later, or use --literature offline") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise LiteratureResponseError(
            f"arXiv answered with XML that is not an Atom feed (root <{root.tag}>); "
            "check the base URL, or use --literature offline")
    records: list[PaperRecord] = []
    for entry in root.findall("atom:entry", NS):
        entry_id = _text(entry.find("atom:id", NS))
        if "/api/errors" in entry_id:
            raise LiteratureResponseError(
                f"arXiv rejected the query: {_text(entry.find('atom:summary', NS))}; "
                "try simpler words")
        title = _text(entry.find("atom:title", NS))
        if not title:
            continue
        published = _text(entry.find("atom:published", NS))
        journal = _text(entry.find("arxiv:journal_ref", NS))
        url = next((link.get("href") for link in entry.findall("atom:link", NS)
                    if link.get("rel") == "alternate"), None) or entry_id or None
        records.append(PaperRecord(
            title=title,
            authors=[_text(a.find("atom:name", NS)) for a in entry.findall("atom:author", NS)],
            year=int(published[:4]) if published[:4].isdigit() else None,
            venue=journal or "arXiv",
            abstract=_text(entry.find("atom:summary", NS)) or None,
            arxiv_id=clean_arxiv_id(entry_id),
            doi=_text(entry.find("arxiv:doi", NS)) or None,
            url=url,
            source=source,
        ))
    return records
