"""The end of an idea's experiment: compare every variant tried, choose one on validation,
and run what was chosen once on the held-out test data.

1. Every variant that ran is compared with the baseline on the validation metric, and the
   Holm correction counts all of them (variants x groups), not only those in the paper.
2. The chosen variant is the search's best node (tree) or the run with the best validation
   value (linear loop).
3. When the template's grader has a test split, the baseline, the chosen variant and (tree)
   the chosen variant's ablations and replication each run once more, as separate sandbox
   jobs with the grader's test argument, the held-out data and fresh seeds (so neither the
   data nor the training randomness the search chose on is reused; events ``heldout_test``);
   no other variant ever sees the test data. Their comparisons with the baseline on test are corrected over
   the same family. These are the numbers the paper reports; the validation numbers of every
   variant go to its appendix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from agents.domain import (
    ExperimentRun,
    HeldoutTest,
    Idea,
    RunStats,
    SearchTree,
    Selection,
    TestResult,
    TestRole,
    Tried,
)
from agents.experiment.grading import NO_GRADER_WARNING, TEST_SEEDS_FROM, spec_of
from agents.experiment.lab import Experimenter
from agents.experiment.preregistration import judge_plan, read_plan
from agents.experiment.statistics import compare_runs
from agents.experiment.variants import run_variant
from agents.templates import PrimaryMetric, grader_summary

NO_TEST_WARNING = ("the template has no held-out test split: the reported numbers are the "
                   "validation numbers the variant was chosen on, which favour it")
HOST_WARNING = ("the host backend (--sandbox local) cannot make the grader's files read-only: "
                "they were checked after every job instead")


def _compare(base: ExperimentRun, runs: list[ExperimentRun], metric: PrimaryMetric,
             family: int) -> dict[int, RunStats]:
    if base.stats is None:
        return {}
    stats = {r.index: r.stats for r in runs if r.ok and r.stats is not None}
    return compare_runs(base.stats, stats, metric.name, metric.lower_is_better, family=family)


def _group_count(base: ExperimentRun, metric: PrimaryMetric) -> int:
    if base.stats is None:
        return 1
    return max(1, sum(1 for g in base.stats.groups if base.stats.get(g, metric.name) is not None))


def _tried(runs: list[ExperimentRun], tree: SearchTree | None, chosen: int | None) -> list[Tried]:
    rows = []
    for run in runs:
        node = tree.node(run.index) if tree is not None else None
        comps = run.stats.comparisons if run.stats is not None else []
        role = "chosen" if run.index == chosen else (
            node.kind if node is not None and node.kind in ("ablation", "replication")
            and node.parent == chosen else "exploratory")
        rows.append(Tried(
            node=run.index, parent=node.parent if node is not None else None,
            kind=node.kind if node is not None else "run", description=run.description,
            verdict=run.verdict, validation=run.primary,
            significant_better=sum(1 for c in comps if c.significant and c.better),
            significant_worse=sum(1 for c in comps if c.significant and not c.better),
            role=role))
    return rows


async def _test_once(exp: Experimenter, idea: Idea, idea_dir: Path, run: ExperimentRun,
                     code: Path, role: TestRole, metric: PrimaryMetric) -> TestResult:
    """One variant on the held-out test data: one sandbox job per seed, cached like any."""
    seeds = [TEST_SEEDS_FROM + s for s in (run.seeds or exp.seeds)]
    variant = await run_variant(exp, code, idea_dir / "test" / f"test_node_{run.index}",
                                labels={"idea": idea.name}, seeds=seeds, test=True)
    tested = run.model_copy(update={  # the same variant; its numbers now from the test data
        "verdict": variant.verdict, "final_info": variant.final_info, "stats": variant.stats,
        "seeds": seeds,
        "primary": metric.value(variant.final_info), "duration_s": variant.duration_s,
        "feedback": variant.feedback, "image": variant.image, "container": variant.container,
        "backend": variant.backend, "cached": variant.cached})
    exp.record(HeldoutTest(idea=idea.name, node=run.index, role=role,
                           verdict=variant.verdict, metric=metric.name, primary=tested.primary,
                           seeds=seeds, cached=variant.cached))
    return TestResult(node=run.index, role=role, run=tested)


async def conclude(exp: Experimenter, idea: Idea, idea_dir: Path, runs: list[ExperimentRun], *,
                   tree: SearchTree | None, code_of: Callable[[int], Path],
                   ) -> tuple[list[ExperimentRun], Selection]:
    """The runs to report (baseline first) and how they were chosen. ``runs``: the baseline,
    then every variant tried; ``code_of``: the code folder that ran a variant."""
    metric = exp.metric
    base, tried = runs[0], runs[1:]
    groups = _group_count(base, metric)
    ran = [r for r in tried if r.ok and r.stats is not None]
    family = len(ran) * groups
    compared = _compare(base, tried, metric, family)
    tried = [r.model_copy(update={"stats": compared[r.index]}) if r.index in compared else r
             for r in tried]
    by_index = {r.index: r for r in tried}
    if tree is not None:
        chosen = tree.best
    else:
        ok = [r for r in tried if r.ok and r.primary is not None]
        best = (min if metric.lower_is_better else max)(ok, key=lambda r: r.primary or 0.0) \
            if ok else None
        chosen = best.index if best is not None else None
    spec = spec_of(exp.template)
    selection = Selection(metric=metric.name, lower_is_better=metric.lower_is_better,
                          baseline=base.primary,
                          tried=_tried(tried, tree, chosen), chosen=chosen, family=family,
                          grader=grader_summary(spec) if spec else "")
    if spec is None:
        selection.warnings.append(NO_GRADER_WARNING)
    elif exp.backend == "local":
        selection.warnings.append(HOST_WARNING)
    reported = _validation_report(runs[0], tried, tree, chosen)
    if spec is not None and spec.has_test and spec.test_metric and chosen is not None:
        test_metric = PrimaryMetric(name=spec.test_metric, group=metric.group,
                                    lower_is_better=metric.lower_is_better)
        selection.test_metric = test_metric.name
        picks: list[tuple[ExperimentRun, Path, TestRole]] = [
            (base, exp.template.path, "baseline"), (by_index[chosen], code_of(chosen), "chosen")]
        if tree is not None:
            picks += [(by_index[n.id], code_of(n.id), n.kind) for n in tree.nodes
                      if n.parent == chosen and n.kind in ("ablation", "replication") and n.ok]
        results = list(await asyncio.gather(*(
            _test_once(exp, idea, idea_dir, run, code, role, test_metric)
            for run, code, role in picks)))
        tested = {t.node: t for t in results}
        if tested[0].run.ok and tested[chosen].run.ok:
            test_base = tested[0].run
            compared_test = _compare(test_base, [t.run for t in results[1:]], test_metric, family)
            results = [t.model_copy(update={"run": t.run.model_copy(
                update={"stats": compared_test[t.node]})}) if t.node in compared_test else t
                for t in results]
            reported = [t.run for t in results if t.run.ok]
        else:
            failed = next(t for t in results if not t.run.ok)
            selection.warnings.append(
                f"the held-out test job of node {failed.node} failed ({failed.run.verdict}): "
                f"the numbers reported are the validation numbers")
        selection.test = results
    elif spec is None or not spec.has_test:
        selection.warnings.append(NO_TEST_WARNING)
    plan = read_plan(exp, idea, idea_dir)
    if plan is not None:
        selection.plan = judge_plan(plan, selection)
    return reported, selection


def _validation_report(base: ExperimentRun, tried: list[ExperimentRun], tree: SearchTree | None,
                       chosen: int | None) -> list[ExperimentRun]:
    """Without a test split: what the paper reports, with the corrected validation stats."""
    by_index = {r.index: r for r in tried}
    if tree is None:
        return [base, *tried]
    if chosen is None:
        return [base]
    path = [by_index[n.id] for n in tree.path_to(chosen) if n.id in by_index]
    extra = [by_index[n.id] for n in tree.nodes
             if n.parent == chosen and n.kind in ("ablation", "replication")]
    return [base, *path, *extra]
