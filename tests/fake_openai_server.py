"""A small OpenAI-compatible chat server on 127.0.0.1, for tests of the real HTTP model path.

By default it answers like the offline model: the request's messages go to
``offline_model.answer`` and the reply comes back as the assistant's content, with a ``usage``
block counted by ``offline_model.count_tokens``. A test scripts faults with a queue of steps:

    >>> server.script(Step.rate_limit(), Step.rate_limit(), Step.good())
    >>> server.default = Step.server_error()   # what it does once the queue is empty

It counts chat requests and keeps the last request's headers and body, so a test can show
that an API key travels as a header (``last_headers`` has lower-case names).

Like a real server it takes ``response_format``: ``accepts`` says which kinds it honours
("json_schema" as OpenAI's, "json_object" with or without a schema as llama-cpp-python's);
an unknown kind is refused with HTTP 400, as servers do. A ``json_schema`` marked strict must
follow OpenAI's strict-mode rules (every property required, ``additionalProperties: false``,
no keyword outside the supported set), checked here independently of aisci's own code; a
schema that breaks them gets OpenAI's 400 "Invalid schema" answer. aisci's capability probe
(the schema that allows only ``{"aisci_probe": "yes"}``) is answered as a constrained model
would.

PYTEST_DONT_REWRITE (test modules import it before pytest loads it as the fixture's plugin)
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

from agents.llm.runtime import litellm

litellm()  # configure litellm before offline_model imports it
from agents.offline_model import model as offline_model  # noqa: E402

Kind = Literal["good", "bad_http_json", "bad_content", "rate_limit", "server_error", "slow",
               "unauthorized", "truncated", "drop", "die"]
#: OpenAI's strict structured outputs: the keywords a schema may use.
STRICT_ALLOWED = {"type", "properties", "required", "additionalProperties", "items", "enum",
                  "const", "anyOf", "description", "$defs", "$ref", "pattern", "format",
                  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                  "minItems", "maxItems"}


@dataclass(frozen=True)
class Step:
    """One scripted answer."""

    kind: Kind = "good"
    content: str | None = None  # the assistant's text; None: the offline model's answer
    retry_after: str | None = None  # Retry-After header of a 429
    delay_s: float = 0.0  # how long a slow answer waits before it is sent

    @classmethod
    def good(cls, content: str | None = None) -> Step:
        return cls("good", content=content)

    @classmethod
    def bad_http_json(cls) -> Step:
        """HTTP 200 whose body is not JSON at all (a broken server or proxy)."""
        return cls("bad_http_json")

    @classmethod
    def bad_content(cls, content: str | None = None) -> Step:
        """A valid chat response whose content is truncated JSON (default: the good answer, cut)."""
        return cls("bad_content", content=content)

    @classmethod
    def rate_limit(cls, retry_after: str | None = "0.01") -> Step:
        return cls("rate_limit", retry_after=retry_after)

    @classmethod
    def server_error(cls) -> Step:
        return cls("server_error")

    @classmethod
    def drop(cls) -> Step:
        """The connection closed without an answer (what a client sees when a server crashes
        mid-request); the server goes on listening."""
        return cls("drop")

    @classmethod
    def die(cls) -> Step:
        """HTTP 500, then the server stops listening (a server that dies after an error)."""
        return cls("die")

    @classmethod
    def slow(cls, delay_s: float) -> Step:
        return cls("slow", delay_s=delay_s)

    @classmethod
    def truncated(cls, content: str) -> Step:
        """A reply cut off by max_tokens (finish_reason "length")."""
        return cls("truncated", content=content)

    @classmethod
    def unauthorized(cls) -> Step:
        """401 whose message quotes the key it got, as careless servers do."""
        return cls("unauthorized")


class FakeOpenAIServer:
    """An OpenAI-compatible server in a background thread (``with FakeOpenAIServer() as s``)."""

    def __init__(self, *, port: int = 0) -> None:
        self.default = Step.good()
        self.requests = 0
        self.request_times: list[float] = []
        self.last_headers: dict[str, str] = {}
        self.last_body: dict[str, Any] = {}
        self.models_requests = 0
        #: What ``GET /v1/models`` lists.
        self.models: list[str] = ["fake-local"]
        self.accepts: set[str] = {"json_schema", "json_object"}
        #: Answers instead of the offline model's when it returns text (for one idea, say).
        self.override: Callable[[list[dict[str, Any]]], str | None] = lambda _messages: None
        self.schema_errors: list[str] = []
        self._queue: deque[Step] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", port), _handler(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to pass as ``api_base`` (ends in ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *steps: Step) -> None:
        """Answer the next requests with these steps, in order, then with ``default``."""
        with self._lock:
            self._queue.extend(steps)

    def next_step(self, body: dict[str, Any], headers: dict[str, str]) -> Step:
        with self._lock:
            self.requests += 1
            self.request_times.append(time.monotonic())
            self.last_headers = headers
            self.last_body = body
            return self._queue.popleft() if self._queue else self.default

    def last_user_message(self) -> str:
        users = [m for m in self.last_body.get("messages", []) if m.get("role") == "user"]
        return _text(users[-1].get("content")) if users else ""

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases slow answers at once
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def stop_listening(self) -> None:
        """Close the listening socket: from now on a connection is refused."""
        def close() -> None:
            self._httpd.shutdown()
            self._httpd.server_close()

        threading.Thread(target=close, daemon=True).start()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # a slow answer never holds up stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out reset their connection: expected here, not news


def _text(content: Any) -> str:
    if isinstance(content, list):  # multi-part content: keep the text parts
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def chat_response(model: str, content: str, prompt_tokens: int) -> dict[str, Any]:
    completion_tokens = offline_model.count_tokens(content)
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}", "object": "chat.completion",
        "created": int(time.time()), "model": model, "system_fingerprint": "fake",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def strict_problems(schema: Any, path: str = "root") -> list[str]:
    """OpenAI's strict-mode rules, as its error messages state them."""
    if not isinstance(schema, dict):
        return []
    problems = [f"In context={path}, '{k}' is not permitted." for k in schema
                if k not in STRICT_ALLOWED]
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            problems.append(f"In context={path}, 'additionalProperties' is required to be "
                            f"supplied and to be false.")
        missing = [k for k in props if k not in schema.get("required", [])]
        if missing:
            problems.append(f"In context={path}, 'required' is required to be supplied and to be "
                            f"an array including every key in properties. Missing {missing}.")
        for name, sub in props.items():
            problems += strict_problems(sub, f"{path}.{name}")
    for key in ("items",):
        if key in schema:
            problems += strict_problems(schema[key], f"{path}[]")
    for i, option in enumerate(schema.get("anyOf", [])):
        problems += strict_problems(option, f"{path}.anyOf[{i}]")
    for name, sub in schema.get("$defs", {}).items():
        problems += strict_problems(sub, f"$defs.{name}")
    return problems


def _is_probe(schema: Any) -> bool:
    return isinstance(schema, dict) and "aisci_probe" in schema.get("properties", {})


def _error(message: str, kind: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                server.models_requests += 1
                self._send(200, {"object": "list", "data": [
                    {"id": name, "object": "model", "created": 0, "owned_by": "aisci-tests"}
                    for name in server.models]})
            else:
                self._send(404, _error(f"no route {self.path}", "invalid_request_error", "not_found"))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, _error(f"no route {self.path}", "invalid_request_error", "not_found"))
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send(400, _error("body is not JSON", "invalid_request_error", "bad_json"))
                return
            step = server.next_step(body, {k.lower(): v for k, v in self.headers.items()})
            messages = body.get("messages", [])
            model = str(body.get("model", "fake-local"))
            if step.kind == "rate_limit":
                headers = {"Retry-After": step.retry_after} if step.retry_after is not None else {}
                self._send(429, _error("Rate limit reached, slow down", "rate_limit_error",
                                       "rate_limit_exceeded"), headers)
                return
            if step.kind == "unauthorized":
                sent = server.last_headers.get("authorization", "").removeprefix("Bearer ")
                self._send(401, _error(f"Incorrect API key provided: {sent}", "invalid_request_error",
                                       "invalid_api_key"))
                return
            if step.kind in ("server_error", "die"):
                self._send(500, _error("The server had an error", "server_error", "internal_error"))
                if step.kind == "die":
                    self.close_connection = True
                    server.stop_listening()
                return
            if step.kind == "drop":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if step.kind == "bad_http_json":
                self._send_raw(200, b'{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess')
                return
            if step.kind == "slow":
                server.wait(step.delay_s)
            fmt = body.get("response_format")
            schema = None
            if isinstance(fmt, dict):
                kind = fmt.get("type")
                if kind not in server.accepts:
                    self._send(400, _error(f"Invalid value for 'response_format.type': {kind!r} "
                                           f"is not supported", "invalid_request_error",
                                           "invalid_value"))
                    return
                if kind == "json_schema":
                    spec = fmt.get("json_schema") or {}
                    schema = spec.get("schema")
                    problems = strict_problems(schema) if spec.get("strict") else []
                    if problems:
                        server.schema_errors += problems
                        self._send(400, _error(
                            f"Invalid schema for response_format '{spec.get('name')}': "
                            f"{problems[0]}", "invalid_request_error", "invalid_json_schema"))
                        return
                else:
                    schema = fmt.get("schema")
            last = _text(messages[-1].get("content")) if messages else ""
            if step.content is not None:
                content = step.content
            elif _is_probe(schema):
                content = '{"aisci_probe": "yes"}'
            elif isinstance(fmt, dict) and fmt.get("type") == "json_object" and schema is None \
                    and last == "Say hello.":
                content = '{"greeting": "hello"}'
            elif any('"pong"' in _text(m.get("content")) for m in messages):
                content = '{"answer": "pong"}'
            else:
                content = server.override(messages) or offline_model.answer(messages)
            if step.kind == "bad_content" and step.content is None:
                content = content[: max(1, len(content) // 2)]
            prompt_tokens = sum(offline_model.count_tokens(_text(m.get("content")))
                                for m in messages)
            reply = chat_response(model, content, prompt_tokens)
            if step.kind == "truncated":
                reply["choices"][0]["finish_reason"] = "length"
            self._send(200, reply)

        def _send(self, status: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            self._send_raw(status, json.dumps(payload).encode(), headers)

        def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

    return Handler


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A running fake server; scripted steps and counters start empty."""
    with FakeOpenAIServer() as server:
        yield server


def main() -> None:
    """A server to try aisci against by hand (``aisci doctor --api-base ...``):

        python -m tests.fake_openai_server --port 8099 --first-delay 90
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--first-delay", type=float, default=0.0,
                        help="seconds before the first chat answer (a model that loads)")
    args = parser.parse_args()
    server = FakeOpenAIServer(port=args.port)
    if args.first_delay:
        server.script(Step.slow(args.first_delay))
    print(f"serving at {server.url}", flush=True)
    server._httpd.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
