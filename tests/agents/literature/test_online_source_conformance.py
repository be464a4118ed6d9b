"""Behaviours every online source must show, run against each one's real answer shape.

Semantic Scholar, OpenAlex and arXiv differ in format, not in how they fail: each retries what
is worth retrying, gives up within its deadline with one actionable line, and never passes a
traceback or a malformed body on to the caller.
"""

from __future__ import annotations

import time

import pytest

from agents.literature.base import LiteratureResponseError, LiteratureUnavailable
from agents.literature.http_client import RetryPolicy

from .fakes import FAST, Backend, FakeServer, Reply, ok


def test_search_returns_records_with_metadata(server: FakeServer, backend: Backend) -> None:
    server.script(ok(backend))
    papers = backend.make(server.url, FAST).search("denoising diffusion", limit=5)

    ddpm = papers[0]
    assert ddpm.title == "Denoising Diffusion Probabilistic Models"
    assert ddpm.authors[:2] == ["Jonathan Ho", "Ajay Jain"]
    assert ddpm.year == 2020
    assert ddpm.arxiv_id == "2006.11239"
    assert ddpm.source == backend.name
    assert "diffusion" in (ddpm.abstract or "")
    assert all(p.title for p in papers)  # entries without a title are dropped
    [request] = server.requests
    assert request.path == backend.path


def test_limit_is_sent_and_respected(server: FakeServer, backend: Backend) -> None:
    server.script(ok(backend))
    papers = backend.make(server.url, FAST).search("diffusion", limit=1)
    assert len(papers) == 1
    assert "1" in server.requests[0].params.values()


def test_429_with_retry_after_twice_then_success(server: FakeServer, backend: Backend) -> None:
    limited = Reply(status=429, body='{"message": "Too Many Requests"}',
                    headers={"Retry-After": "0"})
    server.script(limited, limited, ok(backend))
    papers = backend.make(server.url, FAST).search("diffusion")
    assert papers and len(server.requests) == 3


def test_429_forever_fails_within_the_bound(server: FakeServer, backend: Backend) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "30"}))
    started = time.monotonic()
    with pytest.raises(LiteratureUnavailable, match=r"kept answering 429 after 4 tries"):
        backend.make(server.url, FAST).search("diffusion")
    assert time.monotonic() - started < 2.0  # Retry-After: 30 is capped, not obeyed blindly
    assert len(server.requests) == 4


def test_deadline_stops_retries_before_the_attempts_run_out(
        server: FakeServer, backend: Backend) -> None:
    server.script(Reply(status=503, headers={"Retry-After": "1"}))
    policy = FAST._replace(attempts=1000, deadline_s=0.6, retry_after_max_s=0.2)
    started = time.monotonic()
    with pytest.raises(LiteratureUnavailable, match="kept answering HTTP 503"):
        backend.make(server.url, policy).search("diffusion")
    assert time.monotonic() - started < 1.0
    assert 2 <= len(server.requests) <= 4


def test_500_then_success(server: FakeServer, backend: Backend) -> None:
    server.script(Reply(status=500, body="Internal Server Error"), ok(backend))
    assert backend.make(server.url, FAST).search("diffusion")
    assert len(server.requests) == 2


def test_slow_answer_is_retried(server: FakeServer, backend: Backend) -> None:
    slow = Reply(body=backend.ok_body, content_type=backend.content_type, delay_s=0.5)
    server.script(slow, ok(backend))
    policy = FAST._replace(timeout_s=0.15)
    assert backend.make(server.url, policy).search("diffusion")
    assert len(server.requests) == 2


def test_always_slow_gives_a_clear_error_in_bounded_time(
        server: FakeServer, backend: Backend) -> None:
    server.script(Reply(body=backend.ok_body, delay_s=1.0))
    policy = FAST._replace(attempts=3, timeout_s=0.15, deadline_s=0.6)
    started = time.monotonic()
    with pytest.raises(LiteratureUnavailable, match="timing out"):
        backend.make(server.url, policy).search("diffusion")
    assert time.monotonic() - started < 1.0


def test_malformed_body_is_a_clear_error(server: FakeServer, backend: Backend) -> None:
    server.script(Reply(body=backend.malformed_body, content_type=backend.content_type))
    with pytest.raises(LiteratureResponseError, match="malformed") as info:
        backend.make(server.url, FAST).search("diffusion")
    assert "\n" not in str(info.value)
    assert len(server.requests) == 1  # a bad body is not retried


def test_client_error_is_not_retried(server: FakeServer, backend: Backend) -> None:
    server.script(Reply(status=400, body='{"error": "bad query"}'))
    with pytest.raises(LiteratureResponseError, match="HTTP 400"):
        backend.make(server.url, FAST).search("diffusion")
    assert len(server.requests) == 1


def test_unreachable_service_fails_fast(backend: Backend) -> None:
    policy = RetryPolicy(attempts=2, timeout_s=0.5, deadline_s=2.0, backoff_s=0.01,
                         backoff_max_s=0.02, min_interval_s=0.0)
    started = time.monotonic()
    with pytest.raises(LiteratureUnavailable, match="failing to connect"):
        backend.make("http://127.0.0.1:9", policy).search("diffusion")  # port 9: discard, closed
    assert time.monotonic() - started < 2.0


def test_empty_query_makes_no_request(server: FakeServer, backend: Backend) -> None:
    assert backend.make(server.url, FAST).search("   ") == []
    assert server.requests == []
