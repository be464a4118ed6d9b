"""``aisci run TOPIC --api-base URL`` with no ``--model`` runs on the model that server serves
(asked over HTTP), never on the offline model; a closed port or an ambiguous server stops in
one line before anything is created."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from tests.fake_openai_server import FakeOpenAIServer
from tests.support import only_run

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture
TOPIC = "learning-rate warmup in small networks"


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_a_run_uses_the_model_its_server_serves(fake_openai: FakeOpenAIServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.paper import tex as latex

    monkeypatch.setattr(latex, "tex_available", lambda: False)  # PDF compiles are tested elsewhere
    monkeypatch.setenv("OPENAI_API_KEY", "sk-present-so-gpt-4o-mini-would-be-the-default")
    fake_openai.models = ["qwen-local-7b"]
    result = CliRunner().invoke(app, [
        "run", TOPIC, "--api-base", fake_openai.url, "--sandbox", "local",
        "--runs-dir", str(tmp_path), "--num-ideas", "1", "--max-runs", "1", "--seeds", "1",
        "--reviewers", "1", "--review-reflections", "0"])
    assert result.exit_code == 0, result.output
    assert "Using openai/qwen-local-7b, the model the server at --api-base serves." in result.output
    assert "offline model" not in result.output
    run = only_run(tmp_path)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    calls = [e for e in events if e["type"] == "llm_call"]
    assert calls and {c["model"] for c in calls} == {"openai/qwen-local-7b"}
    assert fake_openai.last_body["model"] == "qwen-local-7b"
    assert fake_openai.requests >= len(calls)
    assert json.loads((run / "run.json").read_text())["run_settings"]["model"]["model"] == \
        "openai/qwen-local-7b"


def test_a_closed_port_exits_non_zero_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    result = CliRunner().invoke(app, ["run", TOPIC, "--api-base", base,
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 1
    [line] = _lines(result.output)
    assert line.startswith(f"error: nothing listens at {base} (connection refused)")
    assert not (tmp_path / "runs").exists()


def test_a_server_with_several_models_asks_which(fake_openai: FakeOpenAIServer,
                                                 tmp_path: Path) -> None:
    fake_openai.models = ["small-1b", "large-70b"]
    result = CliRunner().invoke(app, ["run", TOPIC, "--api-base", fake_openai.url,
                                      "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2
    [line] = _lines(result.output)
    assert "serves 2 models: small-1b, large-70b; pick one with --model openai/<name>" in line
    assert fake_openai.requests == 0 and not (tmp_path / "runs").exists()


def test_doctor_checks_the_model_its_server_serves(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.models = ["qwen-local-7b"]
    result = CliRunner().invoke(app, ["doctor", "--api-base", fake_openai.url, "--sandbox", "local"],
                                env={"COLUMNS": "250"})
    assert "Checking openai/qwen-local-7b, the model the server at --api-base serves." in result.output
    assert "model openai/qwen-local-7b" in result.output and "answered at" in result.output
    assert fake_openai.last_body["model"] == "qwen-local-7b"
