"""The plan of an idea's experiment, fixed before its first run.

Before the coder sees any result of the idea, ``fix_plan`` writes ``plan.json`` to the idea's
folder (the hypothesis, the primary metric and its direction, the planned comparisons, the
seeds, the selection and decision rules) and records its sha256 in ``plan.sha256`` and in the
event log. At the end, ``judge_plan`` reads the file back (as untrusted: a changed file is
reported as changed, never trusted), and says whether the held-out result confirms the plan.
Everything that is not one of the planned comparisons is exploratory.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from agents.domain import Idea, Plan, PlanFixed, PlanRecord, Selection
from agents.experiment.grading import TEST_SEEDS_FROM
from agents.experiment.lab import Experimenter
from agents.experiment.statistics import ALPHA
from agents.run import atomic_write_text

PLAN = "plan.json"
PLAN_HASH = "plan.sha256"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_plan(exp: Experimenter, idea: Idea) -> Plan:
    spec = exp.template.grader
    test_metric = spec.test_metric if spec is not None and spec.has_test else None
    metric = exp.metric
    tree = exp.search.value == "tree"
    budget = exp.tree.max_nodes if tree else exp.max_runs
    where = ("the held-out test data, with fresh seeds" if test_metric
             else "the validation data (no test split)")
    chosen = (f"the variant chosen on validation against the baseline, on {where}, "
              f"{test_metric or metric.name} ({metric.direction} is better), per group")
    confirmatory = [chosen]
    if tree:
        confirmatory.append("each ablation of the chosen variant and its replication on more "
                            "seeds, on the same data (secondary)")
    return Plan(
        idea=idea.name, hypothesis=f"{idea.title}: {idea.experiment}",
        primary_metric=metric.name, test_metric=test_metric, direction=metric.direction,  # type: ignore[arg-type]
        groups=metric.group, seeds=exp.seeds, search=exp.search.value,
        test_seeds=[TEST_SEEDS_FROM + s for s in exp.seeds] if test_metric else [],
        max_variants=budget,
        selection_rule=f"the variant with the best {metric.name} on validation (mean over "
                       f"groups) among all that ran; every variant tried is reported",
        confirmatory=confirmatory,
        decision_rule=(f"confirmed when the chosen variant is significantly better than the "
                       f"baseline on {where} (Welch's t-test, Holm-corrected over every "
                       f"variant tried x groups, alpha {ALPHA}) in at least one group and "
                       f"significantly worse in none"),
        alpha=ALPHA)


def fix_plan(exp: Experimenter, idea: Idea, idea_dir: Path) -> str:
    """Write the plan (once: a resumed idea keeps the plan it fixed); its sha256."""
    path = idea_dir / PLAN
    if path.is_file() and (idea_dir / PLAN_HASH).is_file():
        return (idea_dir / PLAN_HASH).read_text(encoding="utf-8").split()[0]
    text = make_plan(exp, idea).model_dump_json(indent=1) + "\n"
    sha = _digest(text)
    atomic_write_text(path, text)
    fixed_at = datetime.now(UTC).isoformat(timespec="seconds")
    atomic_write_text(idea_dir / PLAN_HASH, f"{sha}  {PLAN}  {fixed_at}\n")
    exp.record(PlanFixed(idea=idea.name, sha256=sha))
    return sha


def read_plan(exp: Experimenter, idea: Idea, idea_dir: Path) -> PlanRecord | None:
    """The plan as fixed, checked against the hash in the event log (the file may be edited)."""
    try:
        text = (idea_dir / PLAN).read_text(encoding="utf-8")
        plan = Plan.model_validate(json.loads(text))
    except (OSError, ValueError, ValidationError):
        return None
    fixed = [e for e in exp.run.events() if isinstance(e, PlanFixed) and e.idea == idea.name]
    recorded = fixed[0].sha256 if fixed else ""
    stamp = (idea_dir / PLAN_HASH).read_text(encoding="utf-8").split() \
        if (idea_dir / PLAN_HASH).is_file() else []
    return PlanRecord(plan=plan, sha256=recorded or (stamp[0] if stamp else ""),
                      intact=bool(recorded) and _digest(text) == recorded,
                      fixed_at=stamp[2] if len(stamp) > 2 else "")


def judge_plan(record: PlanRecord, selection: Selection) -> PlanRecord:
    """Does the result confirm the plan? Decided by its own decision rule, on test data
    when the template has it."""
    if selection.chosen is None:
        return record.model_copy(update={"verdict": "not tested",
                                         "why": "no variant beyond the baseline ran"})
    chosen = next((t.run for t in selection.test if t.role == "chosen"), None)
    if chosen is None or chosen.stats is None:
        tried = next(t for t in selection.tried if t.node == selection.chosen)
        better, worse, where = tried.significant_better, tried.significant_worse, "validation"
    else:
        comps = chosen.stats.comparisons
        better = sum(1 for c in comps if c.significant and c.better)
        worse = sum(1 for c in comps if c.significant and not c.better)
        where = "held-out test"
    if not record.intact:
        return record.model_copy(update={
            "verdict": "not tested",
            "why": "plan.json is not the plan that was fixed before the data (its hash differs)"})
    verdict = "confirmed" if better and not worse else "not confirmed"
    why = (f"on the {where} data the chosen variant is significantly better in {better} "
           f"group(s) and significantly worse in {worse}")
    return record.model_copy(update={"verdict": verdict, "why": why})
