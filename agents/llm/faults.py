"""What went wrong with a model request, in kinds a person can act on.

litellm wraps every transport fault of an OpenAI-compatible server in the same
``InternalServerError`` ("Connection error.", status 500), whether nothing listens at the port,
the server dropped the connection because it crashed, or it really answered HTTP 500. The
kinds differ in what to do next, so ``classify`` looks through the exception's whole chain
(``__cause__``/``__context__``) for the transport's own exception:

- ``refused``: nothing listens (``ConnectionRefusedError``, a connect error);
- ``dropped``: the server closed the connection without an answer (a crash, a kill);
- ``timeout``: no answer in the time given;
- ``server_error``: an HTTP 5xx answer;
- ``auth`` (401/403), ``not_found`` (404), ``rate_limit`` (429), ``bad_request`` (400/422);
- ``other``.

    >>> classify(ConnectionRefusedError(111, "Connection refused")).kind
    'refused'
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from agents.config import redact

FaultKind = Literal["refused", "dropped", "timeout", "server_error", "auth", "not_found",
                    "rate_limit", "bad_request", "other"]

#: Exception class names (any module) that mean each transport fault.
_REFUSED = {"ConnectionRefusedError", "ClientConnectorError", "ConnectError"}
_DROPPED = {"ServerDisconnectedError", "RemoteProtocolError", "ReadError", "RemoteDisconnected",
            "ConnectionResetError", "BrokenPipeError", "ConnectionAbortedError",
            "ClientPayloadError", "IncompleteRead"}
_TIMEOUT = {"Timeout", "TimeoutError", "APITimeoutError", "ReadTimeout", "TimeoutException",
            "ServerTimeoutError", "PoolTimeout", "WriteTimeout"}
#: litellm's prefixes before the server's own words.
_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)?(?:\w+Error:\s*)?(?:\w+Exception\s*-\s*)?")


class Fault(NamedTuple):
    kind: FaultKind
    status: int | None  # the HTTP status the server sent, if it answered
    message: str  # the server's or the transport's own words: one line, secrets masked


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 12:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _words(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(_PREFIX.sub("", text).strip()[:240] or type(exc).__name__)


def classify(exc: BaseException) -> Fault:
    """The kind of fault behind ``exc`` (an ``LLMError``, a litellm exception, or a transport's)."""
    chain = _chain(exc)
    names = [type(e).__name__ for e in chain]
    for e, name in zip(chain, names, strict=True):
        if name in _REFUSED:
            return Fault("refused", None, _words(e))
        if name in _DROPPED:
            return Fault("dropped", None, _words(e))
    if any(name in _TIMEOUT for name in names):
        return Fault("timeout", None, "no answer in time")
    # litellm's outer wrapper says 500 for transport faults too (handled above): the innermost
    # status is the server's own answer.
    statuses = [s for e in chain if (s := _status(e)) is not None]
    status = statuses[-1] if statuses else None
    words = _words(next((e for e in chain if type(e).__module__.startswith("litellm")), chain[-1]))
    if status is None:
        return Fault("other", None, words)
    if status in (401, 403):
        return Fault("auth", status, words)
    if status == 404:
        return Fault("not_found", status, words)
    if status == 429:
        return Fault("rate_limit", status, words)
    if status in (400, 422):
        return Fault("bad_request", status, words)
    if status == 408:
        return Fault("timeout", status, "no answer in time")
    if status >= 500:
        return Fault("server_error", status, words)
    return Fault("other", status, words)
