"""Transcripts: what is written is masked, what is read back is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.llm.transcripts import CallRecord, Transcripts, clean_messages, file_for, read_calls

KEY = "sk-transcript-canary-4471-must-not-be-written"


def test_keys_url_credentials_and_images_never_reach_the_file(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    image = "data:image/png;base64," + "A" * 5000
    book = Transcripts(tmp_path)
    link = book.record(CallRecord(
        role="writer", task="check_figure", model="openai/x", idea="warmup_study",
        messages=[{"role": "system", "content": f"key {KEY}"},
                  {"role": "user", "content": [
                      {"type": "text", "text": "see http://me:pa55word@example.org/v1"},
                      {"type": "image_url", "image_url": {"url": image}}]}],
        reply=f"the key is {KEY}", retried=[f"RateLimitError: bad key {KEY}"]))
    assert link["transcript"] == "transcripts/idea-warmup_study.jsonl"
    written = (tmp_path / link["transcript"]).read_text()
    assert KEY not in written and "pa55word" not in written and "AAAA" not in written
    [call] = read_calls(tmp_path).values()
    assert call.call_id == link["call_id"]
    assert call.reply == "the key is ***" and call.retried == ["RateLimitError: bad key ***"]
    parts = call.messages[1]["content"]
    assert parts[0]["text"] == "see http://***@example.org/v1"
    assert parts[1]["text"].startswith("[image_url: ") and "characters not kept" in parts[1]["text"]


def test_an_idea_name_cannot_leave_the_transcripts_folder() -> None:
    assert file_for("../../etc/passwd") == "transcripts/idea-etc_passwd.jsonl"
    assert file_for("") == "transcripts/run.jsonl"
    assert file_for("...") == "transcripts/idea-unnamed.jsonl"


def test_lines_that_are_not_records_are_skipped(tmp_path: Path) -> None:
    book = Transcripts(tmp_path)
    link = book.record(CallRecord(role="coder", task="edit", model="m",
                                  messages=[{"role": "user", "content": "hi"}], reply="ok"))
    path = tmp_path / link["transcript"]
    with path.open("a") as f:
        f.write('{"call_id": "cut-by-a-crash", "role": "co\n')
        f.write(json.dumps({"call_id": "no-messages", "role": "x", "task": "y", "model": "m"}) + "\n")
        f.write("[1, 2]\n")
    (tmp_path / "transcripts" / "elsewhere.jsonl").symlink_to("/etc/hostname")
    assert list(read_calls(tmp_path)) == [link["call_id"]]


def test_messages_keep_their_order_and_roles() -> None:
    cleaned = clean_messages([{"role": "system", "content": "a"}, {"role": "user", "content": None},
                              {"role": "assistant", "content": "b", "tool_calls": ["x"]}])
    assert cleaned == [{"role": "system", "content": "a"}, {"role": "user", "content": ""},
                       {"role": "assistant", "content": "b"}]
