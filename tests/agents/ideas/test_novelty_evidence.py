"""A "not novel" verdict must name a paper the searches returned; without one it is asked
again, and a model that then finds none calls the idea novel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agents.config import ModelSettings
from agents.domain.ideas import Idea
from agents.ideas.novelty import NoveltyJudge, check_idea
from agents.literature.registry import offline_source
from agents.llm import LLMClient
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task

IDEA = Idea(name="momentum_spirals", title="Momentum on spirals",
            experiment="Set MOMENTUM to 0.9 and compare.", interestingness=5, feasibility=9,
            novelty=5)
TASK = Task.NOVELTY_STEP


def _judge(prompts: list[str], closest_after_repair: list[str]) -> Any:
    def reply(asked: Asked) -> dict[str, Any]:
        prompt = asked.prompt
        prompts.append(prompt)
        if "No search has been made yet." in prompt:
            return {"action": "search", "query": "momentum", "novel": False, "closest": [],
                    "reason": "search first"}
        if "That reply could not be used" not in prompt:
            return {"action": "decide", "query": "", "novel": False, "closest": [],
                    "reason": "covered by earlier work"}
        return {"action": "decide", "query": "", "novel": not closest_after_repair,
                "closest": closest_after_repair, "reason": "after the repair"}
    return reply


def _judge_with_offline_model() -> NoveltyJudge:
    return NoveltyJudge(llm=LLMClient({}, default=ModelSettings(model="mock/aisci-offline")),
                        record=lambda _event: None, area="small neural networks", rounds=3)


@pytest.mark.parametrize("named", [False, True])
def test_a_not_novel_verdict_without_a_returned_paper_is_asked_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: bool) -> None:
    judge = _judge_with_offline_model()
    source = offline_source(tmp_path / "cache")
    returned = [r.title for r in source.search("momentum", 8)]
    prompts: list[str] = []
    monkeypatch.setitem(offline_model.HANDLERS, TASK, _judge(prompts, returned[:1] if named else []))
    verdict = asyncio.run(check_idea(judge, IDEA, source)).novelty_verdict
    assert verdict is not None and len(prompts) == 3
    assert "already covers it" in prompts[2]  # the repair says what was missing
    assert verdict.novel is not named and verdict.closest == (returned[:1] if named else [])


def test_a_paper_about_something_else_is_no_evidence(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A small model names whatever the search returned: a paper that shares no subject with
    the idea (no word of its title or experiment) covers nothing of it."""
    judge = _judge_with_offline_model()
    source = offline_source(tmp_path / "cache")
    unrelated = source.search("machine translation", 8)[0].title
    related = source.search("momentum", 8)[0].title
    prompts: list[str] = []

    def reply(asked: Asked) -> dict[str, Any]:
        prompt = asked.prompt
        prompts.append(prompt)
        if "No search has been made yet." in prompt:
            return {"action": "search", "query": "machine translation momentum", "novel": False,
                    "closest": [], "reason": "search first"}
        named = related if "That reply could not be used" in prompt else unrelated
        return {"action": "decide", "query": "", "novel": False, "closest": [named],
                "reason": "covered"}

    monkeypatch.setattr(source, "search", lambda query, limit: [
        r for q in ("machine translation", "momentum") for r in
        offline_source(tmp_path / "cache").search(q, 4)])
    monkeypatch.setitem(offline_model.HANDLERS, TASK, reply)
    verdict = asyncio.run(check_idea(judge, IDEA, source)).novelty_verdict
    assert verdict is not None and len(prompts) == 3
    assert "is about something else" in prompts[2] and unrelated in prompts[2]
    assert verdict.novel is False and verdict.closest == [related]


def test_the_example_carries_no_verdict_and_a_decision_without_one_is_refused() -> None:
    """The prompt's example step has "novel": null, not false (a small model copied false into
    every decision); a decision must say true or false."""
    from agents.ideas.novelty import NoveltyStep, _backed
    from agents.llm import ReplyError

    assert NoveltyStep.example().novel is None
    undecided = NoveltyStep(action="decide", query="", novel=None, closest=[], reason="unsure")
    with pytest.raises(ReplyError, match="true or false"):
        _backed(undecided, [], {"momentum"})


def test_a_paper_that_shares_only_the_topic_words_is_no_evidence() -> None:
    """The 1.5B model, on optim_digits with the topic "curvature-aware step sizes for digit
    classifiers", named the K-FAC paper (the offline library's record) against every idea: it
    shares "curvature" with each one, a word the topic gives them all."""
    from agents.ideas.novelty import NoveltyStep, _backed, subject_terms, topic_terms
    from agents.llm import ReplyError

    kfac = {"title": "Optimizing Neural Networks with Kronecker-factored Approximate Curvature"}
    idea = subject_terms(
        "Curvature-Sensitive Warmup for Small MLPs Modify the warmup fraction to vary between 0 "
        "and 1, with a step size of 0.25 (run 1), 0.5 (run 2), and 0.75 (run 3). Compare "
        "val_acc, val_loss, and train_loss_auc across warmup fractions. curvature sensitive "
        "warmup")
    step = NoveltyStep(action="decide", query="", novel=False, closest=[kfac["title"]],
                       reason="already covered")
    topic = topic_terms("curvature-aware step sizes for digit classifiers")
    with pytest.raises(ReplyError, match="beyond the words of the run's topic"):
        _backed(step, [kfac], idea, topic)
    _backed(step, [kfac], idea)  # without the topic, "curvature" was taken as evidence
    warmup = {"title": "Bag of Tricks for Image Classification", "abstract": "learning rate warmup"}
    _backed(step.model_copy(update={"closest": [warmup["title"]]}), [warmup], idea, topic)
