"""The experiment agent: turn one idea into runs of the edited template in the sandbox.

Before anything runs, the idea's plan is fixed (``preregistration``). The coder first plans
the runs, then for each run proposes SEARCH/REPLACE edits; they are checked (an edit of the
template's grader is refused, ``grading``), the edited copy runs once per seed in the
sandbox, and a failure (its verdict and the
end of stderr, or why an edit was rejected) goes back to the coder, up to ``max_attempts``
tries per run. The idea's ``code/`` folder always holds the last version that ran. Failures
are data: a crash, a bad edit or a reply with no usable edit is a failed try (recorded with
the reason, shown to the coder at the next try); a model that cannot be reached ends this idea,
never the run; only sandbox infrastructure faults raise. At the end ``selection`` compares
every variant with the baseline, chooses on validation and runs the choice once on the
held-out test data.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agents.config import SearchMode
from agents.domain import (
    ExperimentRun,
    Idea,
    IdeaFailed,
    IdeaOutcome,
    IdeaStatus,
    RunsPlanned,
    SearchTree,
    Selection,
    TreeDone,
)
from agents.errors import LLMError, StructuredOutputError
from agents.experiment import coder
from agents.experiment.code_edits import apply_edits, unified_diff
from agents.experiment.grading import edit_guard, layout_keeper, record_refusal
from agents.experiment.lab import Experimenter
from agents.experiment.notes import failure_summary
from agents.experiment.preregistration import fix_plan
from agents.experiment.search import TreeSearch, reported_runs
from agents.experiment.selection import conclude
from agents.experiment.statistics import compare_runs
from agents.experiment.variants import COPY_IGNORE, code_files, run_variant
from agents.run import atomic_write_text, copy_file, copy_tree

OUTCOME = "outcome.json"
VERSIONS = "versions"  # the code of each run that ran (the linear loop's code/ moves on)


def fresh_code(exp: Experimenter, idea_dir: Path) -> Path:
    """``code/``: a clean copy of the template (a kill during the copy leaves none half-made)."""
    code_dir, partial = idea_dir / "code", idea_dir / ".code.partial"
    shutil.rmtree(partial, ignore_errors=True)
    copy_tree(exp.template.path, partial, ignore=COPY_IGNORE)
    shutil.rmtree(code_dir, ignore_errors=True)
    partial.rename(code_dir)
    return code_dir


def finished_outcome(exp: Experimenter, idea: Idea, *, retry_failed: bool) -> IdeaOutcome | None:
    """The outcome of an idea that already finished (a resume); a failed one only when
    failures are not to be retried."""
    path = exp.run.idea_dir(idea.name) / OUTCOME
    if not path.is_file():
        return None
    outcome = IdeaOutcome.model_validate_json(path.read_text(encoding="utf-8"))
    return None if retry_failed and outcome.status == "failed" else outcome


async def run_idea(exp: Experimenter, idea: Idea, *, retry_failed: bool = False) -> IdeaOutcome:
    """All runs of one idea (a finished idea is not redone: its outcome.json is reused)."""
    done = finished_outcome(exp, idea, retry_failed=retry_failed)
    if done is not None:
        return done
    idea_dir = exp.run.idea_dir(idea.name)
    code_dir = fresh_code(exp, idea_dir)
    base = exp.baseline
    if base is None or not base.ok:
        why = base.feedback if base else "it has not run"
        return finish(exp, idea, [], "failed", f"the baseline did not run: {why}")
    shutil.rmtree(idea_dir / "run_0", ignore_errors=True)
    copy_tree(exp.run.path / "baseline" / "run_0", idea_dir / "run_0")
    fix_plan(exp, idea, idea_dir)  # before the coder sees any result of this idea
    if exp.search == SearchMode.tree:
        return await _tree_search(exp, idea, idea_dir, base)
    runs = [base]
    history: list[dict[str, Any]] = []
    try:
        plan = await coder.plan_runs(exp, idea, code_dir)
        exp.record(RunsPlanned(idea=idea.name, runs=plan))
        for index in range(1, min(exp.max_runs, len(plan)) + 1):
            run = await _one_run(exp, idea, idea_dir, code_dir, index, plan, history)
            if run is None:
                break
            runs.append(run)
    except LLMError as exc:
        exp.record(IdeaFailed(idea=idea.name, stage="experiment", reason=str(exc)[:500]))
        ok = [r for r in runs[1:] if r.ok]
        status: IdeaStatus = "done" if ok else "failed"
        return finish(exp, idea, runs, status, f"the coder model failed: {exc}")
    if not any(r.ok for r in runs[1:]):
        last = failure_summary(history[-1]["feedback"]) if history else "no run was made"
        return finish(exp, idea, runs, "failed",
                      f"no run beyond the baseline succeeded; last failure: {last}")
    reported, selection = await conclude(exp, idea, idea_dir, runs, tree=None,
                                         code_of=lambda k: idea_dir / VERSIONS / f"run_{k}")
    return finish(exp, idea, reported, "done", "", selection=selection)


async def _tree_search(exp: Experimenter, idea: Idea, idea_dir: Path,
                       base: ExperimentRun) -> IdeaOutcome:
    """The idea's variants as a tree; the paper reports the best node's path and ablations."""
    tree = await TreeSearch(exp, idea, idea_dir, base).run()
    runs = reported_runs(tree)
    exp.record(TreeDone(idea=idea.name, nodes=len(tree.nodes) - 1, best=tree.best,
                        failed=sum(1 for n in tree.nodes if not n.ok), stopped=tree.stopped))
    if tree.best is None:
        failures = [n for n in tree.nodes if not n.ok]
        last = failure_summary(failures[-1].run.feedback) if failures else "no variant was made"
        return finish(exp, idea, runs, "failed", f"no variant beyond the baseline ran; last "
                                                 f"failure: {last}", tree=tree)
    for rel in code_files(idea_dir / "tree" / f"node_{tree.best}"):  # code/ holds the best
        copy_file(idea_dir / "tree" / f"node_{tree.best}" / rel, idea_dir / "code" / rel)
    reported, selection = await conclude(exp, idea, idea_dir, [n.run for n in tree.nodes],
                                         tree=tree, code_of=lambda k: idea_dir / "tree" / f"node_{k}")
    return finish(exp, idea, reported, "done", "", tree=tree, selection=selection)


async def _one_run(exp: Experimenter, idea: Idea, idea_dir: Path, code_dir: Path, index: int,
                   plan: list[str], history: list[dict[str, Any]]) -> ExperimentRun | None:
    """Edit and run ``run_<index>`` with up to ``max_attempts`` tries; None when the coder is
    done."""
    last: ExperimentRun | None = None
    failure = ""
    for attempt in range(1, exp.max_attempts + 1):
        planned = plan[index - 1] if index <= len(plan) else f"run {index}"
        try:
            reply = await coder.next_edit(exp, idea, code_dir, plan=plan, run=index,
                                          history=history, failure=failure)
        except StructuredOutputError as exc:  # replies without a usable edit: a failed try
            last = ExperimentRun(index=index, description=planned, verdict="error",
                                 attempts=attempt, feedback=f"no usable edit: {exc.problem}")
            failure = last.feedback
            history.append(_history_entry(last))
            continue
        if reply.done:
            return last
        candidate = idea_dir / ".jobs" / f"candidate_{index}"
        shutil.rmtree(candidate, ignore_errors=True)
        copy_tree(code_dir, candidate)
        description = reply.description or planned
        edit = apply_edits(candidate, reply.edits, edit_guard(exp.template),
                           layout_keeper(exp.template))
        if edit.refused_by_grader:
            record_refusal(exp.record, idea.name, f"run_{index}", edit.reason)
        if not edit.ok:
            last = ExperimentRun(index=index, description=description, verdict="error",
                                 attempts=attempt, feedback=f"edit rejected: {edit.reason}")
        else:
            diff = unified_diff(exp.template.path, candidate, code_files(candidate))
            variant = await run_variant(exp, candidate, idea_dir / f"run_{index}",
                                        labels={"idea": idea.name})
            last = ExperimentRun(
                index=index, description=description, verdict=variant.verdict, attempts=attempt,
                final_info=variant.final_info, stats=variant.stats, seeds=exp.seeds,
                primary=exp.metric.value(variant.final_info), duration_s=variant.duration_s,
                diff=diff, feedback=variant.feedback, image=variant.image,
                container=variant.container, backend=variant.backend, cached=variant.cached)
            atomic_write_text(code_dir / f"run_{index}.diff", diff)
            if variant.verdict == "ok":
                for rel in code_files(candidate):  # keep the version that ran
                    copy_file(candidate / rel, code_dir / rel)
                version = idea_dir / VERSIONS / f"run_{index}"  # for its held-out test
                shutil.rmtree(version, ignore_errors=True)
                copy_tree(candidate, version, ignore=COPY_IGNORE)
        shutil.rmtree(candidate, ignore_errors=True)
        failure = last.feedback
        history.append(_history_entry(last))
        if last.ok:
            return last
    return last


def _history_entry(run: ExperimentRun) -> dict[str, Any]:
    """One try of a run, as the coder's history table and the notes read it."""
    return {"run": run.index, "attempt": run.attempts, "description": run.description,
            "verdict": run.verdict, "primary": run.primary, "feedback": run.feedback[-1500:]}


def finish(exp: Experimenter, idea: Idea, runs: list[ExperimentRun], status: IdeaStatus,
           reason: str, tree: SearchTree | None = None,
           selection: Selection | None = None) -> IdeaOutcome:
    """Compare every run with the baseline (unless ``selection`` did, over every variant
    tried): the outcome (the workflow records it)."""
    metric = exp.metric
    base = runs[0] if runs else None
    if selection is not None and selection.test_metric and selection.test \
            and all(t.run.ok for t in selection.test if t.role in ("baseline", "chosen")):
        metric = metric.model_copy(update={"name": selection.test_metric})
    if selection is None and base is not None and base.stats is not None:
        compared = compare_runs(base.stats, {r.index: r.stats for r in runs[1:]
                                             if r.ok and r.stats is not None},
                                metric.name, metric.lower_is_better)
        runs = [r.model_copy(update={"stats": compared[r.index]}) if r.index in compared else r
                for r in runs]
    return IdeaOutcome(idea=idea, status=status, reason=reason, primary_metric=metric.name,
                       lower_is_better=metric.lower_is_better, runs=runs, tree=tree,
                       selection=selection)
