"""Preflight checks: each failure says what is wrong and how to fix it, fast and without leaks."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from typing import Any

import pytest

from agents.config.settings import ROLES, ModelSettings, StructuredMode
from agents.llm.backends import OFFLINE
from agents.llm.runtime import OFFLINE_MODEL, litellm
from agents.preflight import checks as doctor
from agents.preflight.checks import arun_checks, blocking_failures, run_checks
from agents.preflight.model_check import Check, check_key_routing, check_model
from sandbox.base import SandboxUnavailable
from tests.fake_openai_server import FakeOpenAIServer, Step

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture
pytestmark = pytest.mark.filterwarnings("ignore:Item .* `ReadOnly` qualifier:UserWarning")  # litellm's

KEY = "sk-doctor-test-5150-must-not-show"


def _check(settings: ModelSettings, **kwargs: Any) -> Check:
    return asyncio.run(check_model(settings, **kwargs)).check


@pytest.fixture
def no_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any model call fails the test: the check must decide without the network."""
    async def forbidden(**_kwargs: Any) -> None:
        raise AssertionError("the doctor made a model call")

    monkeypatch.setattr(litellm(), "acompletion", forbidden)
    monkeypatch.setattr(OFFLINE, "acompletion", forbidden)


def test_the_offline_model_passes_every_model_check() -> None:
    checks = run_checks({role: ModelSettings(model=OFFLINE_MODEL) for role in ROLES}, "local").checks
    models = [c for c in checks if c.name.startswith("model")]
    assert [c.name for c in models] == [f"model {OFFLINE_MODEL}"]  # asked once for five roles
    assert all(c.ok for c in models)
    assert not blocking_failures(checks)


def test_distinct_models_are_checked_once_each_and_named_by_role() -> None:
    settings = {role: ModelSettings(model=OFFLINE_MODEL) for role in ROLES}
    settings["coder"] = ModelSettings(model="mock/other")
    checks = asyncio.run(arun_checks(settings, "local")).checks
    names = [c.name for c in checks if c.name.startswith("model")]
    assert names == [f"model {OFFLINE_MODEL} (ideation, novelty, writer, reviewer)",
                     "model mock/other (coder)"]


@pytest.mark.parametrize(("model", "key"), [
    ("openai/gpt-4o-mini", "OPENAI_API_KEY"),
    ("gpt-4o-mini", "OPENAI_API_KEY"),
    ("anthropic/claude-sonnet-4-5", "ANTHROPIC_API_KEY"),
    ("gemini/gemini-2.5-flash", "GEMINI_API_KEY"),
])
def test_a_missing_key_is_named_without_a_call(model: str, key: str, no_calls: None) -> None:
    started = time.monotonic()
    check = _check(ModelSettings(model=model))
    assert time.monotonic() - started < 1
    assert not check.ok and check.blocking
    assert f"export {key}" in check.fix and key in check.detail


def test_a_model_on_a_local_server_passes(fake_openai: FakeOpenAIServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    result = asyncio.run(check_model(ModelSettings(model="openai/fake-local",
                                                   api_base=fake_openai.url)))
    assert result.check.ok, result.check
    assert fake_openai.url in result.check.detail
    assert fake_openai.requests == 2  # a plain request, then the first probe that is honoured
    assert fake_openai.last_headers["authorization"] == f"Bearer {KEY}"
    assert result.settings.structured == StructuredMode.schema
    assert "constrained to a JSON schema" in result.check.detail


def test_the_check_does_not_retry(fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake_openai.default = Step.server_error()
    check = _check(ModelSettings(model="openai/fake-local", api_base=fake_openai.url, num_retries=5))
    assert not check.ok
    assert fake_openai.requests == 2  # one more after a 5xx, to tell a crash apart: no retries


def test_a_closed_port_fails_fast_and_points_at_api_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}/v1"
    started = time.monotonic()
    check = _check(ModelSettings(model="openai/fake-local", api_base=base))
    assert time.monotonic() - started < 10
    assert not check.ok and "--api-base" in check.fix and base in check.fix


def test_a_server_that_never_answers_fails_at_the_load_limit(fake_openai: FakeOpenAIServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake_openai.default = Step.slow(30)
    started = time.monotonic()
    check = _check(ModelSettings(model="openai/fake-local", api_base=fake_openai.url,
                                 load_timeout_s=0.5))
    assert time.monotonic() - started < 3
    assert not check.ok and "no answer within" in check.detail and "load_timeout_s" in check.fix


def test_a_rejected_key_names_the_variable_and_is_never_shown(
        fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake_openai.default = Step.unauthorized()
    check = _check(ModelSettings(model="openai/fake-local", api_base=fake_openai.url))
    assert not check.ok and "OPENAI_API_KEY" in check.fix
    assert KEY not in check.model_dump_json()


def test_a_model_that_cannot_answer_json_is_told_to_use_a_stronger_one(
        fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake_openai.accepts = set()  # nothing can be constrained: the prompt ping must do
    fake_openai.default = Step.good("Sure! pong")
    check = _check(ModelSettings(model="openai/fake-local", api_base=fake_openai.url))
    assert not check.ok and "stronger model" in check.fix
    assert fake_openai.requests == 1 + 3 + 2  # a plain request, three refused probes, a ping
    # and its repair


def test_a_key_is_never_sent_to_a_server_the_user_did_not_name(monkeypatch: pytest.MonkeyPatch,
                                                                no_calls: None) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    elsewhere = ModelSettings(model="openai/gpt-4o", api_base="http://evil.example/v1")
    check = check_key_routing(elsewhere, confirmed=False)
    assert check is not None and not check.ok and "OPENAI_API_KEY" in check.detail
    assert "--api-base" in check.fix and KEY not in check.model_dump_json()
    assert check_key_routing(elsewhere, confirmed=True) is None
    official = ModelSettings(model="openai/gpt-4o", api_base="https://api.openai.com/v1")
    assert check_key_routing(official, confirmed=False) is None
    monkeypatch.delenv("OPENAI_API_KEY")
    assert check_key_routing(elsewhere, confirmed=False) is None  # no key, nothing to leak


def _no(*names: str) -> Any:
    real = shutil.which

    def which(cmd: str, *args: Any, **kwargs: Any) -> str | None:
        return None if cmd in names else real(cmd, *args, **kwargs)

    return which


def test_missing_tex_is_reported_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", _no("latexmk", "pdflatex"))
    check = doctor.check_tex()
    assert not check.ok and not check.blocking
    assert "scripts/setup.sh" in check.fix and "apt-get install" in check.fix and "latexmk" in check.fix


def test_missing_pdftotext_is_reported_with_its_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", _no("pdftotext"))
    check = doctor.check_pdftotext()
    assert not check.ok and "poppler-utils" in check.fix


def test_docker_down_is_told_apart_from_a_missing_image(monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox import images

    def down(timeout: int = 0) -> Any:
        raise SandboxUnavailable(images.unreachable_message())

    monkeypatch.setattr(images, "docker_client", down)
    engine = doctor.check_sandbox("docker")
    assert not engine.ok and engine.blocking and "setup_docker.sh" in engine.fix

    class Client:
        def close(self) -> None:
            pass

    monkeypatch.setattr(images, "docker_client", lambda timeout=0: Client())
    monkeypatch.setattr(images, "image_exists", lambda client, tag=None: False)
    image = doctor.check_sandbox("docker")
    assert not image.ok and "aisci sandbox build" in image.fix and images.image_tag() in image.detail


def test_the_local_sandbox_needs_no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox import images

    monkeypatch.setattr(images, "docker_client", lambda timeout=0: pytest.fail("Docker was asked"))
    assert doctor.check_sandbox("local").ok
