"""Models over HTTP: the real litellm + openai client path against a local OpenAI-compatible server.

With ``num_retries=N`` a call makes at most N+1 requests: aisci's client is the one retry layer
(litellm's and the openai SDK's own retries are off), honouring ``Retry-After`` (and
``retry-after-ms``) up to 60 s, else backing off 0.5 s · 2^n (×0.75–1, at most 8 s).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from agents.errors import LLMError, StructuredOutputError
from agents.llm import offline_model
from agents.llm.client import LLMClient, ModelSettings
from agents.llm.prompt_blocks import block
from agents.models import IdeasReply
from agents.templates import templates_dir
from tests.fake_openai_server import FakeOpenAIServer, Step
from tests.support import load, only_run

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture
pytestmark = pytest.mark.filterwarnings("ignore:Item .* `ReadOnly` qualifier:UserWarning")  # litellm's

KEY = "sk-fake-http-test-7731-do-not-log"
MODEL = "openai/fake-local"
PING = [{"role": "user", "content": "# Task: ping\nReply with {\"answer\": \"pong\"}."}]


class Pong(BaseModel):
    answer: str


@pytest.fixture(autouse=True)
def dummy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def _client(server: FakeOpenAIServer, events: list[dict[str, Any]], *, timeout_s: float = 5.0,
            num_retries: int = 0, repair_attempts: int = 2) -> LLMClient:
    settings = ModelSettings(model=MODEL, api_base=server.url, timeout_s=timeout_s,
                             num_retries=num_retries)
    return LLMClient({}, default=settings, on_event=events.append, repair_attempts=repair_attempts)


def _ping(client: LLMClient) -> Pong:
    return asyncio.run(client.structured("coder", "ping", PING, Pong))


def _of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def test_a_good_answer_validates_and_the_key_travels_only_as_a_header(
        fake_openai: FakeOpenAIServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[dict[str, Any]] = []
    code = (templates_dir() / "tiny_mlp" / "experiment.py").read_text()
    prompt = "# Task: ideate\n" + "\n".join([
        block("topic", "momentum in small networks"), block("num_ideas", "2"),
        block("code", code, path="experiment.py")])
    reply = asyncio.run(_client(fake_openai, events).structured(
        "ideation", "ideate", [{"role": "user", "content": prompt}], IdeasReply))
    assert len(reply.ideas) == 2 and reply.ideas[0].name == "momentum_study"
    assert fake_openai.requests == 1 and fake_openai.last_body["model"] == "fake-local"
    assert fake_openai.last_headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(fake_openai.last_body)
    assert KEY not in json.dumps(events) and KEY not in caplog.text


def test_without_schema_support_the_schema_goes_in_the_prompt(fake_openai: FakeOpenAIServer) -> None:
    _ping(_client(fake_openai, []))
    assert "response_format" not in fake_openai.last_body  # litellm knows nothing of fake-local
    last = fake_openai.last_user_message()
    assert last.startswith("# Task: ping")
    assert "matches this JSON schema" in last and json.dumps(Pong.model_json_schema()) in last


def test_truncated_json_is_repaired(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.bad_content('{"answer": "po'))
    events: list[dict[str, Any]] = []
    assert _ping(_client(fake_openai, events)).answer == "pong"
    assert fake_openai.requests == 2
    [invalid] = _of(events, "llm_invalid")
    assert invalid["attempt"] == 1 and "Invalid JSON" in invalid["errors"]
    assert len(_of(events, "llm_call")) == 2
    repair = fake_openai.last_body["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"answer": "po'}
    assert "does not validate" in repair[-1]["content"]


def test_malformed_answers_forever_give_up_with_a_clear_error(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = Step.bad_content()
    events: list[dict[str, Any]] = []
    with pytest.raises(StructuredOutputError) as caught:
        _ping(_client(fake_openai, events, repair_attempts=2))
    message = str(caught.value)
    assert f"The coder model ({MODEL}) gave no valid Pong in 3 tries" in message
    assert "--coder-model" in message and "\n" not in message
    assert fake_openai.requests == 3 and len(_of(events, "llm_invalid")) == 3


def test_rate_limits_are_retried_by_litellm(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.rate_limit("0.01"), Step.rate_limit("0.01"))
    events: list[dict[str, Any]] = []
    started = time.monotonic()
    assert _ping(_client(fake_openai, events, num_retries=2)).answer == "pong"
    assert time.monotonic() - started < 5
    assert fake_openai.requests == 3
    assert len(_of(events, "llm_call")) == 1 and not _of(events, "llm_error")


def test_retry_after_is_honoured(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.rate_limit("1"))
    assert _ping(_client(fake_openai, [], num_retries=1)).answer == "pong"
    first, second = fake_openai.request_times
    assert 0.95 <= second - first < 3


def test_server_errors_forever_fail_in_bounded_time(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = Step.server_error()
    events: list[dict[str, Any]] = []
    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        _ping(_client(fake_openai, events, num_retries=1))
    assert time.monotonic() - started < 5
    assert "InternalServerError" in str(caught.value) and "aisci doctor" in str(caught.value)
    assert fake_openai.requests == 2  # N+1: one retry layer
    assert [e["error"] for e in _of(events, "llm_error")] == ["InternalServerError"]


def test_a_body_that_is_not_json_is_an_error(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = Step.bad_http_json()
    with pytest.raises(LLMError):
        _ping(_client(fake_openai, [], num_retries=0))
    assert fake_openai.requests == 1


def test_a_slow_server_times_out_in_bounded_time(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = Step.slow(30)
    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        _ping(_client(fake_openai, [], timeout_s=0.3, num_retries=1))
    elapsed = time.monotonic() - started
    assert "Timeout" in str(caught.value)
    # N+1 = 2 attempts of 0.3 s, plus one backoff of at most 0.5 s
    assert elapsed < 2, elapsed


def test_tokens_and_cost_are_recorded(fake_openai: FakeOpenAIServer) -> None:
    events: list[dict[str, Any]] = []
    _ping(_client(fake_openai, events))
    [call] = _of(events, "llm_call")
    sent = sum(offline_model.count_tokens(m["content"]) for m in fake_openai.last_body["messages"])
    assert call["model"] == MODEL and call["role"] == "coder" and call["task"] == "ping"
    assert call["prompt_tokens"] == sent > 0
    assert call["completion_tokens"] == offline_model.count_tokens(offline_model.answer(PING)) > 0
    assert call["cost_usd"] == 0.0  # a model litellm has no price for (a local one) costs nothing
    assert call["duration_s"] >= 0


def test_a_priced_model_is_charged_from_the_servers_usage(fake_openai: FakeOpenAIServer) -> None:
    from agents.llm.setup import litellm

    litellm().register_model({"openai/fake-priced": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
        "litellm_provider": "openai", "mode": "chat"}})
    events: list[dict[str, Any]] = []
    settings = ModelSettings(model="openai/fake-priced", api_base=fake_openai.url, num_retries=0)
    asyncio.run(LLMClient({}, default=settings, on_event=events.append).structured(
        "coder", "ping", PING, Pong))
    [call] = _of(events, "llm_call")
    expected = call["prompt_tokens"] * 1e-6 + call["completion_tokens"] * 2e-6
    assert call["cost_usd"] == pytest.approx(expected) and expected > 0


def test_a_full_research_run_against_the_server(fake_openai: FakeOpenAIServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from agents import latex
    from agents.cli import app

    monkeypatch.setattr(latex, "tex_available", lambda: False)  # PDF compiles are tested elsewhere
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--model", "openai/fake-local",
        "--api-base", fake_openai.url, "--sandbox", "local", "--runs-dir", str(tmp_path),
        "--reviewers", "1", "--num-ideas", "1", "--max-runs", "1"])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    ideas = load(run / "ideas.json")
    assert isinstance(ideas, list) and ideas
    idea_dir = run / "ideas" / ideas[0]["name"]
    assert "\\begin{document}" in (idea_dir / "paper" / "template.tex").read_text()
    assert list((idea_dir / "reviews").glob("review_*.json"))
    assert (idea_dir / "reviews" / "meta_review.json").is_file()
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    calls = _of(events, "llm_call")
    assert calls and {c["model"] for c in calls} == {"openai/fake-local"}
    # every model call went over HTTP, plus the one ping of the preflight before the run
    assert fake_openai.requests == len(calls) + 1
    for path in run.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="ignore"), path
    assert KEY not in result.output
