"""The novelty check is a role that takes what it uses (issue 29 item 2): a model, where its
searches go, the area, its rounds. Here it runs with no run folder, context or graph, and every
search it made is in what it recorded."""

from __future__ import annotations

import asyncio

from agents.config import ModelSettings
from agents.domain import EventBase, Idea, LiteratureSearch
from agents.ideas.novelty import NoveltyJudge, check_all
from agents.literature import literature_for_run
from agents.llm import LLMClient

IDEA = Idea(name="warmup_length", title="How long should learning-rate warmup be for small MLPs?",
            experiment="Set WARMUP_STEPS to 0, 50 and 200; one run each; compare accuracy.",
            interestingness=5, feasibility=9, novelty=4)


def test_the_novelty_check_runs_on_its_own_services() -> None:
    recorded: list[EventBase] = []
    judge = NoveltyJudge(llm=LLMClient({}, default=ModelSettings(model="mock/aisci-offline")),
                         record=recorded.append, area="small neural networks", rounds=2)
    source, _ = literature_for_run("offline")
    [checked] = asyncio.run(check_all(judge, [IDEA], source, note="offline library"))
    assert checked.novelty_verdict is not None and checked.literature_note == "offline library"
    assert checked.selected == checked.novelty_verdict.novel  # include_not_novel is off
    searches = [e for e in recorded if isinstance(e, LiteratureSearch)]
    assert [e.query for e in searches] == checked.queries and searches, recorded
    assert all(e.idea == IDEA.name and e.source == source.name for e in searches)
    again = NoveltyJudge(**{**judge.__dict__, "include_not_novel": True})
    [kept] = asyncio.run(check_all(again, [IDEA], source))
    assert kept.selected, "with --include-not-novel every idea runs"
