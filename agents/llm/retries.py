"""Transient faults of a request (429, 5xx, timeouts, refused connections), retried with
exponential backoff and jitter, honouring the server's Retry-After. The client turns litellm's
and the openai SDK's own retries off (stacked, they made up to 2N+1 requests).
"""

from __future__ import annotations

import random
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0


def _retryable(llm: Any) -> tuple[type[BaseException], ...]:
    return (llm.RateLimitError, llm.InternalServerError, llm.ServiceUnavailableError,
            llm.BadGatewayError, llm.APIConnectionError, llm.Timeout)


def retry_after_s(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds or ms header), if the error carries one."""
    response = getattr(exc, "response", None)
    headers = (getattr(exc, "litellm_response_headers", None) or getattr(response, "headers", None)
               or getattr(exc, "headers", None) or {})
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except (TypeError, ValueError):  # an HTTP date: fall back to our own backoff
        return None
    return None


async def with_retries(llm: Any, kwargs: dict[str, Any], num_retries: int,
                       retried: list[str] | None = None) -> Any:
    """The completion, transient faults retried; each retried fault is added to ``retried``."""
    def note(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if retried is not None and exc is not None:
            retried.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = retry_after_s(exc) if exc else None
        if told is not None:
            return min(told, MAX_RETRY_AFTER_S)
        return float(min(MAX_BACKOFF_S, 0.5 * 2 ** (state.attempt_number - 1)) * random.uniform(0.75, 1))

    async for attempt in AsyncRetrying(retry=retry_if_exception_type(_retryable(llm)),
                                       stop=stop_after_attempt(num_retries + 1), wait=wait,
                                       before_sleep=note, reraise=True):
        with attempt:
            return await llm.acompletion(**kwargs)
    raise AssertionError("unreachable: tenacity either returns or re-raises")
