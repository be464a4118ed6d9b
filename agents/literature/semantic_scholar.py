"""Semantic Scholar's Graph API (``/graph/v1/paper/search``) as a literature source.

Without an API key the service shares one small rate limit among all anonymous users and often
answers 429; with a key (env ``S2_API_KEY`` or ``SEMANTIC_SCHOLAR_API_KEY``, sent as the
``x-api-key`` header) it allows about one request per second. The key lives only in the HTTP
client's headers: it is never logged, cached or shown in an error.

Example::

    source = SemanticScholarSource()          # key from the environment, if any
    source.search("progress measures for grokking", limit=5)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

from agents.literature.base import LiteratureResponseError
from agents.literature.http_client import DEFAULT_HINT, PoliteClient, RetryPolicy
from agents.literature.records import PaperRecord

BASE_URL = "https://api.semanticscholar.org"
SEARCH_PATH = "/graph/v1/paper/search"
FIELDS = "title,authors,year,venue,externalIds,abstract,citationCount,url"
API_KEY_ENV_VARS = ("S2_API_KEY", "SEMANTIC_SCHOLAR_API_KEY")
MAX_LIMIT = 100
DEFAULT_POLICY = RetryPolicy(min_interval_s=1.1)


def api_key_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The first non-empty key among ``S2_API_KEY`` and ``SEMANTIC_SCHOLAR_API_KEY``."""
    env = os.environ if env is None else env
    for var in API_KEY_ENV_VARS:
        value = env.get(var, "").strip()
        if value:
            return value
    return None


class SemanticScholarSource:
    """Paper search on Semantic Scholar. Thread-safe."""

    name = "semantic_scholar"

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        api_key: str | None = None,
        use_env_key: bool = True,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        key = api_key or (api_key_from_env() if use_env_key else None)
        self.has_api_key = key is not None
        hint = DEFAULT_HINT if key else "set S2_API_KEY or use --literature offline"
        self._http = PoliteClient(
            service="Semantic Scholar",
            base_url=base_url,
            policy=policy or DEFAULT_POLICY,
            headers={"x-api-key": key} if key else None,
            hint=hint,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"SemanticScholarSource(api_key={'set' if self.has_api_key else 'unset'})"

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        query = " ".join(query.split())
        if not query or limit <= 0:
            return []
        data = self._http.get_json(
            SEARCH_PATH, {"query": query, "limit": min(limit, MAX_LIMIT), "fields": FIELDS})
        return parse_search(data, source=self.name)[:limit]

    def close(self) -> None:
        self._http.close()


def parse_search(data: Any, *, source: str = "semantic_scholar") -> list[PaperRecord]:
    """Records from a ``/paper/search`` answer (``{"total": .., "data": [...]}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
        raise LiteratureResponseError(
            "Semantic Scholar answered with JSON of an unexpected shape (no 'data' list); "
            "the API may have changed: use --literature openalex or offline")
    records: list[PaperRecord] = []
    for item in data.get("data") or []:
        if not isinstance(item, dict) or not str(item.get("title") or "").strip():
            continue
        ids = item.get("externalIds") or {}
        records.append(PaperRecord(
            title=item["title"],
            authors=[a.get("name", "") for a in item.get("authors") or [] if isinstance(a, dict)],
            year=item.get("year") if isinstance(item.get("year"), int) else None,
            venue=item.get("venue") or None,
            abstract=item.get("abstract") or None,
            arxiv_id=ids.get("ArXiv"),
            doi=ids.get("DOI"),
            url=item.get("url") or None,
            source=source,
            citation_count=item.get("citationCount"),
        ))
    return records
