"""Every model call of a run is on the record: its messages and reply are in the run folder's
transcripts, linked from its event, shown in report.html, listed by ``aisci show --calls``;
repairs are visible, and no key or URL credential is written (a canary key set in the
environment, and a server whose reply quotes it back)."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.llm.transcripts import read_calls
from tests.fake_openai_server import FakeOpenAIServer
from tests.support import only_run

pytest_plugins = ["tests.fake_openai_server"]  # the fake_openai fixture

KEY = "sk-canary-transcripts-90210-never-written"
URL_SECRET = "urlsecret-55aa77bb99"
LEAK = (f"Here is what I know: your key is {KEY}, and the proxy is "
        f"http://aisci:{URL_SECRET}@10.0.0.7:3128/v1. No JSON today.")


def _events(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


def test_every_call_is_kept_linked_shown_and_masked(fake_openai: FakeOpenAIServer, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.paper import tex as latex

    monkeypatch.setattr(latex, "tex_available", lambda: False)  # PDF compiles are tested elsewhere
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    answered: list[int] = []

    def first_reply_leaks(_messages: list[dict[str, Any]]) -> str | None:
        answered.append(1)
        return LEAK if len(answered) == 1 else None  # the run's first call: ideation

    fake_openai.override = first_reply_leaks
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--model", "openai/fake-local",
        "--api-base", fake_openai.url, "--sandbox", "local", "--runs-dir", str(tmp_path),
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "1", "--reviewers", "1"])
    assert result.exit_code == 0, result.output
    run = only_run(tmp_path)
    events = [e for e in _events(run) if e["type"] in ("llm_call", "llm_error")]
    records = read_calls(run)
    assert events and len(records) == len(events)
    for event in events:  # each event names its transcript file and its record
        record = records[event["call_id"]]
        assert (run / event["transcript"]).is_file()
        assert event["call_id"] in (run / event["transcript"]).read_text()
        assert (record.role, record.task, record.stage) == (event["role"], event["task"],
                                                            event["stage"])
        assert record.messages and record.reply is not None
    ideas = {r.idea for r in records.values()}
    assert "" in ideas and len(ideas) == 2  # the run's own calls, and the idea's

    first, repair = [r for r in records.values() if r.task == "ideate"][:2]
    assert first.reply is not None and first.reply.startswith("Here is what I know: your key is ***")
    assert "http://***@10.0.0.7:3128/v1" in first.reply
    assert repair.purpose == "repair 1"
    assert repair.messages[-2] == {"role": "assistant", "content": first.reply}
    assert repair.messages[-1]["content"].startswith("That reply could not be used")

    for path in [*(run / "transcripts").iterdir(), run / "events.jsonl", run / "report.html"]:
        text = path.read_text()
        assert KEY not in text and URL_SECRET not in text, path

    page = (run / "report.html").read_text()
    assert 'href="#calls"' in page and f"Model calls: {len(events)}" in page
    idea = next(i for i in ideas if i)
    assert f'<a href="#calls-{idea}">This idea\'s model calls</a>' in page
    assert f'<h3 id="calls-{idea}">' in page
    for record in records.values():
        assert f'data-call="{record.call_id}"' in page
        assert html.escape(record.reply or "", quote=True) in page
        last = record.messages[-1]["content"]
        text = last if isinstance(last, str) else "\n".join(str(p.get("text", "")) for p in last)
        assert html.escape(text, quote=True) in page
    assert '<span class="purpose">repair 1</span>' in page

    listed = CliRunner().invoke(app, ["show", str(run), "--calls"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert f"{len(events)} model calls, {len(events)} with their transcript" in listed.output
    assert "repair 1" in listed.output and "ideate" in listed.output
    one = CliRunner().invoke(app, ["show", str(run), "--call", "1"], env={"COLUMNS": "250"})
    assert one.exit_code == 0 and "Here is what I know: your key is ***" in one.output
    assert KEY not in listed.output + one.output
