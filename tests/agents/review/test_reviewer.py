"""Reviewers: reflection rounds, figures for models that see, and the decision rule."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agents.config.settings import ModelSettings
from agents.domain.reviews import MetaReview, Review, ReviewOutcome
from agents.errors import StructuredOutputError
from agents.llm.client import LLMClient
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task
from agents.review.reviewer import review_text, with_figures

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
    seeing = LLMClient({}, default=ModelSettings(model="gpt-4o"))
    assert seeing.accepts_images("reviewer")
    assert not offline.accepts_images("reviewer"), "the offline model reads only the text"
    assert not local.accepts_images("reviewer")


def test_each_review_is_reflected_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = offline_model.HANDLERS[Task.REFLECT_REVIEW]

    def reflect(asked: Asked) -> Any:
        prompt = asked.prompt
        seen.append(prompt)
        return original(asked)

    monkeypatch.setitem(offline_model.HANDLERS, Task.REFLECT_REVIEW, reflect)
    png = tmp_path / "f.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"))
    outcome = asyncio.run(review_text(llm, PAPER, num_reviewers=2, idea_name="x", version=1,
                                      figures=[png], reflections=1))
    assert len(seen) == 2 and all("checking your own review" in p for p in seen)
    assert "You are reviewer 1." in seen[0] and "You are reviewer 2." in seen[1]
    assert all(r.decision == ("accept" if r.overall >= 6 else "reject") for r in outcome.reviews)


def test_the_decision_follows_the_mean_overall_score() -> None:
    def review(overall: int) -> Review:
        return Review.example().model_copy(update={"overall": overall})

    meta = MetaReview(summary="m", strengths=[], weaknesses=[], suggestions=[])
    assert ReviewOutcome.decide("x", 1, [review(6), review(7)], meta).decision == "accept"
    assert ReviewOutcome.decide("x", 1, [review(6), review(5)], meta).decision == "reject"


def test_reviewers_have_distinct_personas_and_a_set_temperature(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []
    original = offline_model.HANDLERS[Task.REVIEW]

    def review(asked: Asked) -> Any:
        prompt = asked.prompt
        prompts.append(prompt)
        return original(asked)

    monkeypatch.setitem(offline_model.HANDLERS, Task.REVIEW, review)
    from agents.llm.backends import OFFLINE

    temperatures: list[float] = []
    sent = OFFLINE.acompletion

    async def recording(**kwargs: Any) -> Any:
        temperatures.append(kwargs.get("temperature"))
        return await sent(**kwargs)

    monkeypatch.setattr(OFFLINE, "acompletion", recording)
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"))
    asyncio.run(review_text(llm, PAPER, num_reviewers=3, idea_name="x", version=1, reflections=0))
    personas = [p.split("You are reviewer")[1].split("\n")[0] for p in prompts]
    assert len(set(personas)) == 3
    assert all(t == 0.75 for t in temperatures)
    assert "The warmup improvement" not in prompts[0]  # the example review is another paper's
    assert "learning-rate warmup" in prompts[0]


def test_a_failed_reviewer_is_left_out_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    original = offline_model.HANDLERS[Task.REVIEW]
    calls = {"n": 0}

    def flaky(asked: Asked) -> Any:
        prompt = asked.prompt
        calls["n"] += 1
        return "I refuse to fill in forms." if "You are reviewer 2." in prompt else original(asked)

    monkeypatch.setitem(offline_model.HANDLERS, Task.REVIEW, flaky)
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"))
    outcome = asyncio.run(review_text(llm, PAPER, num_reviewers=3, idea_name="x", version=1,
                                      reflections=0))
    assert len(outcome.reviews) == 2 and len(outcome.failed_reviewers) == 1
    assert outcome.failed_reviewers[0].startswith("reviewer 2:")


def test_when_every_reviewer_fails_the_ensemble_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.review.reviewer import AllReviewersFailed

    monkeypatch.setitem(offline_model.HANDLERS, Task.REVIEW, lambda _p: "no")
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"))
    with pytest.raises(AllReviewersFailed) as caught:
        asyncio.run(review_text(llm, PAPER, num_reviewers=2, idea_name="x", version=1))
    assert isinstance(caught.value, StructuredOutputError) is False and "reviewer 1" in str(caught.value)
