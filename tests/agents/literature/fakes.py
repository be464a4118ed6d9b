"""A scripted fake HTTP server on 127.0.0.1 and the three online APIs' answer shapes.

No literature test touches the network: every online source is pointed at ``FakeServer.url``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from agents.literature.arxiv import ArxivSource
from agents.literature.base import LiteratureSource
from agents.literature.http_client import RetryPolicy
from agents.literature.openalex import OpenAlexSource
from agents.literature.semantic_scholar import SemanticScholarSource

DATA = Path(__file__).parent / "data"

#: Retries fast enough for tests; the deadline still bounds every call.
FAST = RetryPolicy(attempts=4, timeout_s=0.5, deadline_s=3.0, backoff_s=0.01,
                   backoff_max_s=0.05, retry_after_max_s=0.05, min_interval_s=0.0)


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    content_type: str = "application/json"


@dataclass
class Seen:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class FakeServer:
    """Answers GETs from a script of ``Reply``s; the last one repeats. Records every request."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.last = Reply(status=500, body="no reply scripted")
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # else headers and body wait on delayed ACKs (40 ms)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append(Seen(
                        path=parts.path,
                        params={k: v[0] for k, v in parse_qs(parts.query).items()},
                        headers={k.lower(): v for k, v in self.headers.items()}))
                    reply = server.replies.popleft() if server.replies else server.last
                    if not server.replies:
                        server.last = reply
                time.sleep(reply.delay_s)
                body = reply.body.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@dataclass(frozen=True)
class Backend:
    """What the conformance tests need to know about one online source."""

    name: str
    make: Callable[[str, RetryPolicy], LiteratureSource]
    path: str
    ok_body: str
    content_type: str
    malformed_body: str


BACKENDS = [
    Backend("semantic_scholar",
            lambda url, policy: SemanticScholarSource(base_url=url, policy=policy,
                                                      use_env_key=False),
            "/graph/v1/paper/search", (DATA / "s2_search.json").read_text(), "application/json",
            '{"total": 1, "data": [{"title": "cut off'),
    Backend("openalex",
            lambda url, policy: OpenAlexSource(base_url=url, policy=policy),
            "/works", (DATA / "openalex_works.json").read_text(), "application/json",
            "<html><body>502 Bad Gateway</body></html>"),
    Backend("arxiv",
            lambda url, policy: ArxivSource(base_url=url, policy=policy),
            "/api/query", (DATA / "arxiv_feed.xml").read_text(), "application/atom+xml",
            "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>cut off"),
]


def ok(backend: Backend) -> Reply:
    return Reply(body=backend.ok_body, content_type=backend.content_type)
