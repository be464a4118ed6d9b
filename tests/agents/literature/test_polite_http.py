"""The shared HTTP layer: Retry-After honoured but capped, a polite interval, one-line errors."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from agents.literature.base import LiteratureUnavailable
from agents.literature.http_client import PoliteClient, RateLimiter, parse_retry_after
from agents.literature.semantic_scholar import SemanticScholarSource

from .fakes import FAST, FakeServer, Reply


def test_retry_after_is_honoured_up_to_the_cap(server: FakeServer) -> None:
    server.script(Reply(status=429, headers={"Retry-After": "0.03"}),
                  Reply(status=429, headers={"Retry-After": "120"}),
                  Reply(body='{"ok": true}'))
    slept: list[float] = []
    client = PoliteClient(service="Fake", base_url=server.url, policy=FAST, sleep=slept.append)
    assert client.get_json("/x", {}) == {"ok": True}
    assert slept == [pytest.approx(0.03), FAST.retry_after_max_s]


def test_backoff_grows_without_retry_after(server: FakeServer) -> None:
    server.script(Reply(status=503), Reply(status=503), Reply(status=503), Reply(body="{}"))
    slept: list[float] = []
    policy = FAST._replace(backoff_s=0.01, backoff_max_s=1.0)
    PoliteClient(service="Fake", base_url=server.url, policy=policy,
                 sleep=slept.append).get_json("/x", {})
    assert len(slept) == 3
    assert all(0 < s <= 1.0 for s in slept)
    assert slept[2] >= 0.04  # 0.01 * 2**2 plus jitter: exponential, not constant


@pytest.mark.parametrize(("header", "expected"), [
    ("7", 7.0), (" 2.5 ", 2.5), ("-3", 0.0), ("soon", None), ("", None), (None, None)])
def test_parse_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after(when) or 0) <= 31


def test_requests_keep_the_minimum_interval(server: FakeServer) -> None:
    server.script(Reply(body="{}"))
    client = PoliteClient(service="Fake", base_url=server.url,
                          policy=FAST._replace(min_interval_s=0.1))
    started = time.monotonic()
    threads = [threading.Thread(target=client.get_json, args=("/x", {})) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(server.requests) == 4
    assert time.monotonic() - started >= 0.3  # four starts, three intervals, across threads


def test_rate_limiter_refuses_a_slot_past_the_deadline() -> None:
    limiter = RateLimiter(10.0, sleep=lambda _: None)
    assert limiter.acquire(deadline=time.monotonic() + 1)
    assert not limiter.acquire(deadline=time.monotonic() + 1)  # next slot is 10 s away


def test_semantic_scholar_without_key_says_how_to_fix_429(server: FakeServer) -> None:
    server.script(Reply(status=429))
    source = SemanticScholarSource(base_url=server.url, policy=FAST, use_env_key=False)
    with pytest.raises(LiteratureUnavailable) as info:
        source.search("grokking")
    message = str(info.value)
    assert message.startswith("Semantic Scholar kept answering 429 after 4 tries in ")
    assert message.endswith("set S2_API_KEY or use --literature offline")
    assert "\n" not in message
