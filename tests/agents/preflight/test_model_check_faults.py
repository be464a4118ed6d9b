"""The model check tells apart what can go wrong with a server, each with its own diagnosis:
nothing listening, a server that crashes on a request, a slow first answer (which passes), and
a refused parameter (which only moves down the capability ladder). Real HTTP servers on
127.0.0.1: a closed port, a process that dies by SIGSEGV (tests/crashing_server.py), and the
fake OpenAI server."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agents.config.settings import ModelSettings, StructuredMode
from agents.llm.faults import classify
from agents.preflight import model_check
from agents.preflight.model_check import ModelCheck, check_model
from tests.fake_openai_server import FakeOpenAIServer, Step

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture
pytestmark = pytest.mark.filterwarnings("ignore:Item .* `ReadOnly` qualifier:UserWarning")  # litellm's

CRASHING = Path(__file__).resolve().parents[2] / "crashing_server.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check(base: str, **fields: Any) -> ModelCheck:
    return asyncio.run(check_model(ModelSettings(model="openai/any", api_base=base, **fields)))


@pytest.fixture
def crashing(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server process that dies on its first completion; ``how`` from the test's param."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(CRASHING), "--port", str(port),
                             "--how", request.param], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.kill()
        proc.wait()


def test_a_stopped_server_is_nothing_listening() -> None:
    base = f"http://127.0.0.1:{_free_port()}/v1"
    check = _check(base).check
    assert not check.ok
    assert check.detail == f"nothing listens at {base} (connection refused)"
    assert check.fix.startswith("Start the model server") and "crash" not in check.fix


@pytest.mark.parametrize("crashing", ["segv"], indirect=True)
def test_a_server_that_dies_on_a_request_is_a_crash(crashing: str) -> None:
    check = _check(crashing).check
    assert not check.ok
    assert "closed the connection without answering, and now nothing listens there" in check.detail
    assert check.detail.endswith("it crashed") and "crashed: read its log" in check.fix
    assert "Start the model server" not in check.fix


@pytest.mark.parametrize("crashing", ["error-then-segv"], indirect=True)
def test_a_500_then_silence_is_a_crash_not_nothing_listening(crashing: str) -> None:
    check = _check(crashing).check
    assert not check.ok
    assert "answered HTTP 500 (ggml_abort: failed to allocate compute buffer)" in check.detail
    assert "then nothing listens there now: it crashed" in check.detail
    assert "crashed: read its log" in check.fix


def test_a_server_that_fails_every_request_says_so(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = Step.server_error()
    check = _check(fake_openai.url).check
    assert not check.ok and "answers a plain chat request with HTTP 500" in check.detail
    assert "fails every request" in check.fix and "crashed" not in check.detail


def test_one_dropped_connection_is_asked_again(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.drop())
    result = _check(fake_openai.url)
    assert result.check.ok, result.check


def test_a_slow_first_answer_is_waited_for_visibly_and_passes(
        fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_check, "WAIT_NOTICE_S", 0.3)
    fake_openai.script(Step.slow(2.0))  # the first answer only: the model loads
    said: list[str] = []
    started = time.monotonic()
    result = asyncio.run(check_model(
        ModelSettings(model="openai/any", api_base=fake_openai.url, load_timeout_s=10,
                      timeout_s=1), notify=said.append))
    assert result.check.ok, result.check
    assert time.monotonic() - started >= 2.0
    assert len(said) == 1 and said[0].startswith("Waiting for the model to load at ")
    assert "up to 10 s" in said[0]
    assert "a slow first answer" in result.check.detail
    assert result.settings.structured == StructuredMode.schema
    assert result.settings.timeout_s == 1  # the run's own timeout is kept


def test_a_probe_that_times_out_moves_down_the_ladder(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.good(), Step.slow(5))  # the plain request, then the first probe
    result = asyncio.run(check_model(ModelSettings(model="openai/any", api_base=fake_openai.url),
                                     timeout_s=0.5))
    assert result.check.ok, result.check
    assert result.settings.structured == StructuredMode.schema
    assert result.settings.schema_via == "json_object"  # the next rung
    assert "the json_schema probe got no answer (timeout" in result.check.detail


def test_a_refused_parameter_moves_down_without_a_note(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.accepts = {"json_object"}
    result = _check(fake_openai.url)
    assert result.check.ok and result.settings.schema_via == "json_object"
    assert "probe" not in result.check.detail


def test_a_server_killed_by_a_probe_fails_as_a_crash(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.good(), Step.die())
    check = _check(fake_openai.url).check
    assert not check.ok
    assert check.detail.startswith("it answered a plain request, but after the json_schema probe")
    assert check.detail.endswith("it crashed on a constrained request")
    assert "--structured prompt" in check.fix


def test_transport_faults_are_classified_from_the_exception_chain() -> None:
    try:
        httpx.get(f"http://127.0.0.1:{_free_port()}/", timeout=2)
    except httpx.HTTPError as exc:
        assert classify(exc).kind == "refused"
    assert classify(TimeoutError()).kind == "timeout"
