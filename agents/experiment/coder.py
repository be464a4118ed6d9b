"""The coder's two questions: plan the runs of an idea, and edit the code for the next run.

Both prompts open with the template context (the task, the primary metric and whether lower
is better, the baseline's numbers, the current code), then the idea; the edit prompt adds the
plan, what ran so far and, after a failure, the failure itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

from pydantic import Field

from agents.domain import Idea, ReplyModel, SearchTree
from agents.experiment.code_edits import CoderReply, read_coder_reply, unified_diff
from agents.experiment.lab import Experimenter
from agents.experiment.variants import code_files
from agents.llm import ReplyError
from agents.prompts import Task, bullets, fenced, number, render, table
from agents.run import read_for_prompt
from agents.templates import template_context


class RunPlan(ReplyModel):
    runs: list[str] = Field(min_length=1, description="one line per run: what it changes")

    @classmethod
    def example(cls) -> Self:
        return cls(runs=["Run 1: set THE_CONSTANT to a first new value",
                         "Run 2: set THE_CONSTANT to a second new value"])


def idea_text(idea: Idea) -> str:
    return f"**{idea.title}** (`{idea.name}`)\n\n{idea.experiment}"


def _code(code_dir: Path) -> list[str]:
    return [rel for rel in code_files(code_dir) if rel != "plot.py"]  # not the coder's here


def context(exp: Experimenter, code_dir: Path) -> str:
    base = exp.baseline
    code = {rel: text for rel in _code(code_dir)
            if (text := read_for_prompt(code_dir / rel)) is not None}
    return template_context(exp.template, exp.metric, base.final_info if base else None,
                            len(exp.seeds), code)


def current_code(exp: Experimenter, code_dir: Path) -> str:
    """How the edit prompt states the current code, which it shows as the unmodified template
    (the opening it shares with the plan's prompt and every other edit's, evaluated once by a
    local server) followed by the earlier runs' edits as a diff; a whole file shown anew after
    each run would be evaluated anew, since the settings it changes sit at its top."""
    changes = unified_diff(exp.template.path, code_dir, _code(code_dir))
    if not changes:
        return "The code shown above is the current code."
    return ("The code shown above is the unmodified template. The current code also holds the "
            "edits of the earlier runs that worked, as this diff against it:\n"
            + fenced(changes, "diff") + "\nSEARCH parts match the current code: the code "
            "above with this diff applied (a changed line as the diff's + line).")


def plan_messages(exp: Experimenter, idea: Idea, code_dir: Path) -> list[dict[str, Any]]:
    return render(Task.PLAN_RUNS, area=exp.template.system_prompt, template=context(exp, code_dir),
                  idea=idea_text(idea), max_runs=str(exp.max_runs))


async def plan_runs(exp: Experimenter, idea: Idea, code_dir: Path) -> list[str]:
    messages = plan_messages(exp, idea, code_dir)
    plan = await exp.llm.structured("coder", Task.PLAN_RUNS, messages, RunPlan)
    return [line.strip() for line in plan.runs if line.strip()][:exp.max_runs]


def history_table(exp: Experimenter, history: list[dict[str, Any]]) -> str:
    metric = exp.metric
    if not history:
        return "Nothing yet beyond the baseline: this is the first run."
    rows = [[f"run {h['run']}", h["description"], h["verdict"], number(h.get("primary"))]
            for h in history]
    return table(["run", "change", "verdict", f"{metric.name} ({metric.direction} is better)"],
                 rows)


def edit_messages(exp: Experimenter, idea: Idea, code_dir: Path, *, plan: list[str], run: int,
                  history: list[dict[str, Any]], failure: str) -> list[dict[str, Any]]:
    feedback = ""
    if failure:
        feedback = (f"\nThe last attempt at run {run} failed:\n{fenced(failure[-2500:])}\n")
    request = (f"Fix the code so that run {run} works (the same change, done correctly)."
               if failure else f"Now make run {run} of at most {exp.max_runs}.")
    return render(Task.EDIT_CODE, area=exp.template.system_prompt,
                  template=context(exp, exp.template.path), idea=idea_text(idea),
                  plan=bullets(plan) if plan else "(no plan)",
                  history=history_table(exp, history), feedback=feedback,
                  current=current_code(exp, code_dir), request=request, run=str(run))


def tree_table(exp: Experimenter, tree: SearchTree) -> str:
    metric = exp.metric
    rows = [[str(n.id), "-" if n.parent is None else str(n.parent), n.kind,
             n.run.description if n.id else "the unmodified template", n.run.verdict,
             number(n.run.primary)] for n in tree.nodes]
    return table(["node", "parent", "kind", "change", "verdict",
                  f"{metric.name} ({metric.direction} is better)"], rows)


def tree_messages(exp: Experimenter, idea: Idea, code_dir: Path, *, task: Task, operation: str,
                  tree: SearchTree, request: str) -> list[dict[str, Any]]:
    """One expansion of the tree search (``task``: draft, debug or improve): the node's code
    is the context's code."""
    return render(task, area=exp.template.system_prompt,
                  template=context(exp, code_dir), operation=operation, idea=idea_text(idea),
                  tree=tree_table(exp, tree), request=request)


async def next_edit(exp: Experimenter, idea: Idea, code_dir: Path, *, plan: list[str], run: int,
                    history: list[dict[str, Any]], failure: str) -> CoderReply:
    """The edits for ``run`` (or DONE). ``failure``: why the last attempt at it failed."""
    messages = edit_messages(exp, idea, code_dir, plan=plan, run=run, history=history,
                             failure=failure)
    current = (code_dir / "experiment.py").read_text(encoding="utf-8")
    made = any(h["verdict"] == "ok" for h in history)

    def parse(text: str) -> CoderReply:
        reply = read_coder_reply(text, current=current)
        if reply.done and not made:
            raise ReplyError(f"no run has been made yet: make run {run} of your plan")
        return reply

    return await exp.llm.ask("coder", Task.EDIT_CODE, messages, parse,
                             what="code edit",
                             repair_hint="Reply again: a line 'Run N: ...', then SEARCH/REPLACE "
                                         "blocks exactly as shown above, or the word DONE.")
