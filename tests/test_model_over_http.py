"""Models over HTTP: the real litellm + openai client path against a local OpenAI-compatible server.

With ``num_retries=N`` a call makes at most N+1 requests: aisci's client is the one retry layer
(litellm's and the openai SDK's own retries are off), honouring ``Retry-After`` (and
``retry-after-ms``) up to 60 s, else backing off 0.5 s · 2^n (×0.75–1, at most 8 s).
Structured answers are constrained where the server can (found out by a probe), and shown as
a filled example, never as a raw schema.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.config.settings import ModelSettings, StructuredMode
from agents.domain.reply import ReplyModel
from agents.errors import LLMError, StructuredOutputError
from agents.ideas.ideation import IdeasReply, ideate_messages
from agents.llm.capabilities import resolve_structured
from agents.llm.client import LLMClient
from agents.llm.schemas import strict_schema
from agents.offline_model import model as offline_model
from agents.preflight.model_check import Pong
from agents.workflow.roles import ideator
from tests.fake_openai_server import FakeOpenAIServer, Step, strict_problems
from tests.support import load, offline_context, only_run

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture

KEY = "sk-fake-http-test-7731-do-not-log"
MODEL = "openai/fake-local"
PING = [{"role": "user", "content": 'Reply with the JSON object {"answer": "pong"}.'}]


@pytest.fixture(autouse=True)
def dummy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def _client(server: FakeOpenAIServer, events: list[dict[str, Any]], *, timeout_s: float = 5.0,
            num_retries: int = 0, repair_attempts: int = 2,
            structured: StructuredMode = StructuredMode.prompt, **more: Any) -> LLMClient:
    settings = ModelSettings(model=MODEL, api_base=server.url, timeout_s=timeout_s,
                             num_retries=num_retries, structured=structured, **more)
    return LLMClient({}, default=settings, on_event=lambda e: events.append(e.model_dump()), repair_attempts=repair_attempts)


def _ping(client: LLMClient) -> Pong:
    return asyncio.run(client.structured("coder", "ping", PING, Pong))


def _of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def test_a_good_answer_validates_and_the_key_travels_only_as_a_header(
        fake_openai: FakeOpenAIServer, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[dict[str, Any]] = []
    messages = ideate_messages(ideator(offline_context(tmp_path, num_ideas=2)),
                               "momentum in small networks")
    reply = asyncio.run(_client(fake_openai, events).structured(
        "ideation", "ideate", messages, IdeasReply))
    assert len(reply.ideas) == 2 and reply.ideas[0].name == "momentum_study"
    assert fake_openai.requests == 1 and fake_openai.last_body["model"] == "fake-local"
    assert fake_openai.last_headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(fake_openai.last_body)
    assert KEY not in json.dumps(events) and KEY not in caplog.text


def test_the_prompt_shows_a_filled_example_never_a_raw_schema(fake_openai: FakeOpenAIServer) -> None:
    _ping(_client(fake_openai, []))
    assert "response_format" not in fake_openai.last_body
    last = fake_openai.last_user_message()
    assert "Reply with one JSON object in this form" in last and '"answer": "pong"' in last
    assert '"properties"' not in last and "schema" not in last.lower()


def test_schema_mode_sends_a_strict_schema_the_server_accepts(fake_openai: FakeOpenAIServer) -> None:
    _ping(_client(fake_openai, [], structured=StructuredMode.schema))
    fmt = fake_openai.last_body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == strict_schema(Pong) and not fake_openai.schema_errors


def _reply_models() -> list[type[ReplyModel]]:

    found: list[type[ReplyModel]] = []
    stack = list(ReplyModel.__subclasses__())
    while stack:
        model = stack.pop()
        found.append(model)
        stack += model.__subclasses__()
    return sorted(set(found), key=lambda m: m.__name__)


@pytest.mark.parametrize("model", _reply_models(), ids=lambda m: m.__name__)
def test_every_reply_schema_passes_openais_strict_rules(fake_openai: FakeOpenAIServer,
                                                        model: type[ReplyModel]) -> None:
    client = _client(fake_openai, [], structured=StructuredMode.schema)
    fmt = client.response_format(client.default, model)
    assert fmt is not None
    # The server checks the rules on its own; a pydantic schema as it comes would be refused.
    assert strict_problems(model.model_json_schema())
    try:
        asyncio.run(client.complete("coder", "strict_check", PING, response_format=fmt,
                                    downgrade=False))
    except LLMError as exc:
        pytest.fail(f"{model.__name__}: {exc}")
    assert not fake_openai.schema_errors


def test_the_probe_finds_what_the_server_supports(fake_openai: FakeOpenAIServer) -> None:
    base = ModelSettings(model=MODEL, api_base=fake_openai.url, num_retries=0)
    assert asyncio.run(resolve_structured(base)).structured == StructuredMode.schema
    fake_openai.accepts = {"json_object"}  # llama-cpp-python: a schema only with json_object
    resolved = asyncio.run(resolve_structured(base))
    assert (resolved.structured, resolved.schema_via) == (StructuredMode.schema, "json_object")
    _ping(LLMClient({}, default=resolved))
    assert fake_openai.last_body["response_format"]["type"] == "json_object"
    assert fake_openai.last_body["response_format"]["schema"] == strict_schema(Pong)
    fake_openai.accepts = set()
    assert asyncio.run(resolve_structured(base)).structured == StructuredMode.prompt


def test_a_reply_cut_off_at_max_tokens_is_asked_again_with_more_room(
        fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.truncated('{"answer": "po'))
    events: list[dict[str, Any]] = []
    assert _ping(_client(fake_openai, events, max_tokens=100)).answer == "pong"
    [cut] = _of(events, "llm_truncated")
    assert cut["max_tokens"] == 100 and fake_openai.last_body["max_tokens"] == 200


def test_a_structured_reply_starts_small_and_keeps_the_complete_items_when_cut_off(
        fake_openai: FakeOpenAIServer) -> None:
    from agents.paper.writer import PaperCheck

    items = ", ".join(f'{{"section": "Results", "problem": "p{i}"}}' for i in range(3))
    looping = '{"problems": [' + items + ', {"section": "Res'
    fake_openai.script(Step.truncated(looping))
    events: list[dict[str, Any]] = []
    client = _client(fake_openai, events)
    check = asyncio.run(client.structured("writer", "check_paper", PING, PaperCheck))
    assert [p.problem for p in check.problems] == ["p0", "p1", "p2"]
    assert fake_openai.requests == 1 and fake_openai.last_body["max_tokens"] <= 1024
    [cut] = _of(events, "llm_truncated")
    assert cut["used"] is True


def test_prose_cut_off_in_a_loop_keeps_its_sentences_and_is_not_asked_again(
        fake_openai: FakeOpenAIServer) -> None:
    loop = " ".join(["Momentum of 0.9 raised the validation accuracy."] * 6)
    cut = ("```latex\nWe train a small network on the task and change only its momentum. "
           "The baseline uses plain gradient descent with the same data, width and epochs."
           "\n\n" + loop + " The accuracy of the ru")
    fake_openai.script(Step.truncated(cut))
    events: list[dict[str, Any]] = []
    client = _client(fake_openai, events)
    text = asyncio.run(client.prose("writer", "write_section", PING, languages=("latex",),
                                    max_tokens=300))
    assert text == ("We train a small network on the task and change only its momentum. The "
                    "baseline uses plain gradient descent with the same data, width and epochs."
                    "\n\n"
                    "Momentum of 0.9 raised the validation accuracy.")
    assert fake_openai.requests == 1 and fake_openai.last_body["max_tokens"] == 300
    [truncated] = _of(events, "llm_truncated")
    assert truncated["used"] is True


def test_truncated_json_is_repaired(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.bad_content('{"answer": 7, "po'))
    events: list[dict[str, Any]] = []
    assert _ping(_client(fake_openai, events)).answer == "pong"
    assert fake_openai.requests == 2
    [invalid] = _of(events, "llm_invalid")
    assert invalid["attempt"] == 1 and "no JSON object" in invalid["errors"]
    repair = fake_openai.last_body["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"answer": 7, "po'}
    assert "could not be used" in repair[-1]["content"]


def test_repairs_never_send_an_empty_answer_and_never_grow(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script(Step.good(""), Step.good("nothing useful"), Step.good('{"answer": "pong"}'))
    bodies: list[list[dict[str, Any]]] = []
    original = fake_openai.next_step

    def record(body: dict[str, Any], headers: dict[str, str]) -> Step:
        bodies.append(body["messages"])
        return original(body, headers)

    fake_openai.next_step = record  # type: ignore[method-assign]
    assert _ping(_client(fake_openai, [])).answer == "pong"
    assert all(m["content"] for messages in bodies for m in messages if m["role"] == "assistant")
    assert [len(m) for m in bodies] == [1, 2, 3]  # the original, +1 note, +1 exchange (not +2)


def test_malformed_answers_forever_give_up_with_a_clear_error(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.default = Step.bad_content("{\"answer\": ")
    events: list[dict[str, Any]] = []
    with pytest.raises(StructuredOutputError) as caught:
        _ping(_client(fake_openai, events, repair_attempts=2))
    message = str(caught.value)
    assert f"The coder model ({MODEL}) gave no usable JSON answer (Pong) in 3 tries" in message
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
    assert call["completion_tokens"] == offline_model.count_tokens('{"answer": "pong"}') > 0
    assert call["cost_usd"] == 0.0  # a model litellm has no price for (a local one) costs nothing
    assert call["duration_s"] >= 0


def test_a_priced_model_is_charged_from_the_servers_usage(fake_openai: FakeOpenAIServer) -> None:
    from agents.llm.runtime import litellm

    litellm().register_model({"openai/fake-priced": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
        "litellm_provider": "openai", "mode": "chat"}})
    events: list[dict[str, Any]] = []
    settings = ModelSettings(model="openai/fake-priced", api_base=fake_openai.url, num_retries=0)
    asyncio.run(LLMClient({}, default=settings, on_event=lambda e: events.append(e.model_dump())).structured(
        "coder", "ping", PING, Pong))
    [call] = _of(events, "llm_call")
    expected = call["prompt_tokens"] * 1e-6 + call["completion_tokens"] * 2e-6
    assert call["cost_usd"] == pytest.approx(expected) and expected > 0


def test_a_full_research_run_against_the_server(fake_openai: FakeOpenAIServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.cli import app
    from agents.paper import tex as latex

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
    # every model call went over HTTP, plus the preflight's plain request and one probe (the
    # schema was taken)
    assert fake_openai.requests == len(calls) + 2
    structured = {"ideate", "reflect_idea", "novelty_step", "plan_runs", "check_figure_code",
                  "check_paper", "review", "reflect_review", "meta_review"}
    assert {c["task"] for c in calls} & structured
    assert all(c["constrained"] == (c["task"] in structured) for c in calls)
    assert result.exit_code == 0 and "completed" in result.output
    for path in run.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="ignore"), path
    assert KEY not in result.output


def test_a_server_that_crashes_mid_run_is_named_as_such(fake_openai: FakeOpenAIServer) -> None:
    events: list[dict[str, Any]] = []
    fake_openai.default = Step.drop()
    with pytest.raises(LLMError) as caught:
        _ping(_client(fake_openai, events, num_retries=1))
    assert "closed the connection without answering: did it crash?" in str(caught.value)
    assert fake_openai.requests == 2  # a dropped connection is retried like any transient fault
    [error] = _of(events, "llm_error")
    assert error["fault"] == "dropped"
