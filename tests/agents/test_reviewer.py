"""Reviewers: reflection rounds, figures for models that see, and the decision rule."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agents.llm import offline_model
from agents.llm.client import LLMClient, ModelSettings
from agents.models import MetaReviewReply, ReviewOutcome, ReviewReply
from agents.reviewer import review_text, with_figures

PAPER = "Results: the method reaches 0.91 against 0.88. Figure 1 shows it. [1] cites prior work. " * 5


def test_figures_become_image_parts(tmp_path: Path) -> None:
    png = tmp_path / "f.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    messages = with_figures([{"role": "user", "content": "review this"}], [png])
    parts = messages[-1]["content"]
    assert parts[0] == {"type": "text", "text": "review this"}
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert with_figures([{"role": "user", "content": "x"}], []) == [{"role": "user", "content": "x"}]


def test_only_models_that_see_get_images() -> None:
    offline = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"))
    local = LLMClient({}, default=ModelSettings(model="openai/some-local-model"))
    assert offline.accepts_images("reviewer") and not local.accepts_images("reviewer")


def test_each_review_is_reflected_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = offline_model.HANDLERS["reflect_review"]

    def reflect(prompt: str) -> Any:
        seen.append(prompt)
        return original(prompt)

    monkeypatch.setitem(offline_model.HANDLERS, "reflect_review", reflect)
    png = tmp_path / "f.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"))
    outcome = asyncio.run(review_text(llm, PAPER, num_reviewers=2, idea_name="x", version=1,
                                      figures=[png], reflections=1))
    assert len(seen) == 2 and all("<review>" in p for p in seen)
    assert all(r.decision == ("accept" if r.overall >= 6 else "reject") for r in outcome.reviews)


def test_the_decision_follows_the_mean_overall_score() -> None:
    def review(overall: int) -> ReviewReply:
        return ReviewReply(summary="s", strengths=[], weaknesses=[], questions=[], limitations=[],
                           soundness=3, presentation=3, contribution=3, overall=overall,
                           confidence=3, decision="reject")

    meta = MetaReviewReply(summary="m", strengths=[], weaknesses=[], suggestions=[])
    assert ReviewOutcome.decide("x", 1, [review(6), review(7)], meta).decision == "accept"
    assert ReviewOutcome.decide("x", 1, [review(6), review(5)], meta).decision == "reject"
