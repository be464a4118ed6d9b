"""Polite, bounded HTTP for the online sources: one place for rate limits, retries and deadlines.

Every request of a source goes through ``PoliteClient``:

- a minimum interval between requests per source (``RateLimiter``, shared by all threads);
- bounded retries with exponential backoff and jitter on 429, 5xx, timeouts and connection
  errors; a ``Retry-After`` header is honoured up to ``retry_after_max_s``;
- a per-request timeout and an overall deadline per call: a call never hangs. When the
  retries or the deadline run out it raises ``LiteratureUnavailable`` with one actionable line;
- other 4xx answers and bodies that are not valid JSON raise ``LiteratureResponseError``.

Headers (an API key among them) are never logged and never part of an error message.

Example::

    client = PoliteClient(service="OpenAlex", base_url="https://api.openalex.org")
    data = client.get_json("/works", {"search": "grokking", "per-page": 5})
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any, NamedTuple

import certifi
import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from agents.literature.base import LiteratureResponseError, LiteratureUnavailable

logger = logging.getLogger(__name__)

USER_AGENT = "aisci-literature/0.1 (+https://github.com/aisci; research assistant)"
DEFAULT_HINT = "try again later, or use --literature offline"

Params = Mapping[str, str | int]


@cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~50 ms; one context serves every client (it is thread-safe).
    return ssl.create_default_context(cafile=certifi.where())


class RetryPolicy(NamedTuple):
    """How hard one call tries. Tests shrink these numbers; the defaults suit the real APIs."""

    attempts: int = 4
    timeout_s: float = 10.0
    deadline_s: float = 30.0
    backoff_s: float = 1.0
    backoff_max_s: float = 8.0
    retry_after_max_s: float = 10.0
    min_interval_s: float = 1.0


class RateLimiter:
    """At least ``min_interval_s`` between the starts of two requests, across threads."""

    def __init__(self, min_interval_s: float, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._interval = max(0.0, min_interval_s)
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def acquire(self, deadline: float) -> bool:
        """Wait for this caller's slot; False (without waiting) when it lies past ``deadline``."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            if slot > deadline:
                return False
            self._next = slot + self._interval
        if slot > now:
            self._sleep(slot - now)
        return True


class _Transient(Exception):
    """A failure worth another try; ``what`` completes "<service> kept ..."."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


class PoliteClient:
    """GET requests to one service, rate-limited, retried and bounded. Thread-safe."""

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        hint: str = DEFAULT_HINT,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.service = service
        self.policy = policy or RetryPolicy()
        self.hint = hint
        self._sleep = sleep
        self._limiter = RateLimiter(self.policy.min_interval_s, sleep=sleep)
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            follow_redirects=True,
            verify=_ssl_context(),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def get_json(self, path: str, params: Params) -> Any:
        """The decoded JSON body of ``GET path?params``."""
        text = self.get_text(path, params)
        try:
            return json.loads(text)
        except ValueError as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise LiteratureResponseError(
                f"{self.service} answered with malformed JSON ({detail}); the service may be "
                f"degraded: {self.hint}"
            ) from None

    def get_text(self, path: str, params: Params) -> str:
        """The body of ``GET path?params`` after the retries; see the module docstring."""
        policy = self.policy
        started = time.monotonic()
        deadline = started + policy.deadline_s
        tries = 0

        def attempt() -> str:
            nonlocal tries
            tries += 1
            return self._attempt(path, params, deadline)

        retrying = Retrying(
            stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.deadline_s),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Transient as exc:
            elapsed = time.monotonic() - started
            raise LiteratureUnavailable(
                f"{self.service} kept {exc.what} after {tries} "
                f"{'try' if tries == 1 else 'tries'} in {elapsed:.0f} s; {self.hint}"
            ) from None

    def _attempt(self, path: str, params: Params, deadline: float) -> str:
        if not self._limiter.acquire(deadline):
            raise LiteratureUnavailable(
                f"{self.service}: no request slot before the {self.policy.deadline_s:.0f} s "
                f"deadline (too many concurrent searches); {self.hint}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Transient("running out of time before the request could be sent")
        timeout = min(self.policy.timeout_s, remaining)
        logger.debug("%s GET %s %s (timeout %.1f s)", self.service, path, dict(params), timeout)
        try:
            response = self._client.get(path, params=dict(params), timeout=timeout)
        except httpx.TimeoutException:
            raise _Transient(f"timing out (no answer within {timeout:.1f} s)") from None
        except httpx.TransportError as exc:
            raise _Transient(f"failing to connect ({type(exc).__name__})") from None
        status = response.status_code
        if status == 429:
            raise _Transient("answering 429",
                             parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Transient(f"answering HTTP {status}",
                             parse_retry_after(response.headers.get("Retry-After")))
        if status >= 400:
            raise LiteratureResponseError(
                f"{self.service} refused the request with HTTP {status} "
                f"({_snippet(response.text)}); {self._client_error_hint(status)}")
        return response.text

    def _client_error_hint(self, status: int) -> str:
        if status in (401, 403):
            return f"check the API key for {self.service}, or use --literature offline"
        return "the query may be malformed; try a simpler query"

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.policy.retry_after_max_s)
        backoff = wait_exponential_jitter(multiplier=self.policy.backoff_s,
                                          max=self.policy.backoff_max_s,
                                          jitter=self.policy.backoff_s)
        return float(backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        sleep = state.next_action.sleep if state.next_action else 0.0
        logger.info("%s kept %s; retrying in %.1f s (attempt %d of %d)", self.service,
                    getattr(exc, "what", exc), sleep, state.attempt_number + 1,
                    self.policy.attempts)


def _snippet(text: str, limit: int = 160) -> str:
    one_line = " ".join(text.split())
    return one_line[:limit] + ("..." if len(one_line) > limit else "") or "empty body"
