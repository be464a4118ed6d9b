"""``--api-base`` with no model: the server is asked what it serves (real HTTP servers on
127.0.0.1), its only model is used, and anything else stops with one line."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agents.errors import AisciError, ConfigError
from agents.llm.server_models import server_model
from tests.fake_openai_server import FakeOpenAIServer

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture


@pytest.fixture
def ollama() -> Iterator[tuple[str, list[str]]]:
    """A server that answers like Ollama: ``GET /api/tags``, no ``/models`` at the root."""
    names: list[str] = ["qwen2.5:7b"]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/api/tags":
                body = json.dumps({"models": [{"name": n, "model": n, "size": 1} for n in names]})
                status = 200
            else:
                body, status = "404 page not found", 404
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", names
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_only_model_of_an_openai_compatible_server_is_used(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.models = ["qwen2.5-coder-1.5b"]
    assert server_model(fake_openai.url) == "openai/qwen2.5-coder-1.5b"
    assert fake_openai.requests == 0  # asked with GET /models only: no completion, no key


def test_several_models_stop_with_one_line_listing_them(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.models = ["a-7b", "b-1.5b", "c-32b"]
    with pytest.raises(ConfigError) as caught:
        server_model(fake_openai.url)
    message = str(caught.value)
    assert "\n" not in message and "serves 3 models: a-7b, b-1.5b, c-32b" in message
    assert "--model openai/<name>" in message


def test_ollamas_own_list_names_an_ollama_chat_model(ollama: tuple[str, list[str]]) -> None:
    base, names = ollama
    assert server_model(base) == "ollama_chat/qwen2.5:7b"
    names.append("llama3.2:3b")
    with pytest.raises(ConfigError, match=re.escape("serves 2 models: qwen2.5:7b, llama3.2:3b")):
        server_model(base)
    names.clear()
    with pytest.raises(ConfigError, match="lists no model"):
        server_model(base)


def test_an_openai_server_named_without_v1_is_told_where_its_api_is(
        fake_openai: FakeOpenAIServer) -> None:
    root = fake_openai.url.removesuffix("/v1")
    with pytest.raises(ConfigError, match=re.escape(f"pass --api-base {root}/v1")):
        server_model(root)


def test_a_closed_port_is_one_line_not_the_offline_model() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(AisciError) as caught:
        server_model(f"http://127.0.0.1:{port}/v1")
    assert not isinstance(caught.value, ConfigError)
    assert str(caught.value).startswith(f"nothing listens at http://127.0.0.1:{port}/v1")
