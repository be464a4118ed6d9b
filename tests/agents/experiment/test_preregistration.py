"""The plan fixed before the data: written once with its hash, read back as untrusted, and
judged by its own decision rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.domain import PlanFixed
from agents.domain.ideas import Idea
from agents.domain.selection import Selection, Tried
from agents.experiment.preregistration import PLAN, fix_plan, judge_plan, read_plan
from agents.workflow.roles import experimenter
from tests.support import offline_context

IDEA = Idea(name="lr_study", title="Learning rate", experiment="Change LEARNING_RATE to 0.2.",
            interestingness=5, feasibility=9, novelty=4)


def _selection(better: int, worse: int) -> Selection:
    return Selection(metric="val_accuracy", chosen=1, tried=[Tried(
        node=1, description="LEARNING_RATE = 0.2", verdict="ok", validation=0.9,
        significant_better=better, significant_worse=worse, role="chosen")])


def test_the_plan_is_fixed_once_and_a_later_edit_of_it_is_reported(tmp_path: Path) -> None:
    ctx: Any = offline_context(tmp_path)
    idea_dir = ctx.run.idea_dir(IDEA.name)
    idea_dir.mkdir(parents=True)
    sha = fix_plan(experimenter(ctx), IDEA, idea_dir)
    assert fix_plan(experimenter(ctx), IDEA, idea_dir) == sha, "a resumed idea keeps the plan it fixed"
    assert [e.sha256 for e in ctx.run.events() if isinstance(e, PlanFixed)] == [sha]
    record = read_plan(experimenter(ctx), IDEA, idea_dir)
    assert record is not None and record.intact and record.sha256 == sha
    plan = record.plan
    assert plan.primary_metric == "val_accuracy" and plan.test_metric == "test_accuracy"
    assert plan.direction == "higher" and plan.seeds == ctx.seeds
    assert judge_plan(record, _selection(1, 0)).verdict == "confirmed"
    assert judge_plan(record, _selection(0, 0)).verdict == "not confirmed"
    assert judge_plan(record, _selection(2, 1)).verdict == "not confirmed"

    path = idea_dir / PLAN  # edited after the data: no longer the plan that was fixed
    path.write_text(path.read_text().replace('"higher"', '"lower"'))
    changed = read_plan(experimenter(ctx), IDEA, idea_dir)
    assert changed is not None and not changed.intact
    judged = judge_plan(changed, _selection(1, 0))
    assert judged.verdict == "not tested" and "hash differs" in judged.why
