"""The built-in offline model (``mock/...``).

The client calls it in-process (``agents/llm/backends.py``), through the same retries, repairs,
transcripts, token and cost accounting as a hosted model, without importing litellm (3 s of
CPU at every start); ``litellm_handler.py`` also registers it with litellm as the ``mock``
provider, for code that calls litellm directly. It is deterministic and reads the prompts real
models get: it answers the task the client names with every call (``agents.prompts.Task``),
and reads the facts from the text (see ``reading.py``). Served over HTTP (a test's fake
server) or through litellm, where nothing names the task, it takes it from the prompt's
``# Task:`` title. The answers are real work on that data: ideas built from the
template's actual knobs, code edits that change the results, paper text quoting the run's
numbers, reviews computed from the paper.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from agents.offline_model import figures, reading, research, reviewing, scaffolds, tree_search, writing
from agents.offline_model.reading import Asked
from agents.prompts import Task, source

_TOKEN = re.compile(r"\w+|[^\w\s]")

Handler = Callable[[Asked], Any]

#: the skill that answers each task
HANDLERS: dict[Task, Handler] = {
    Task.IDEATE: research.ideate,
    Task.REFLECT_IDEA: research.reflect_idea,
    Task.NOVELTY_STEP: research.novelty_step,
    Task.PLAN_RUNS: research.plan_runs,
    Task.EDIT_CODE: research.edit_code,
    Task.FIX_PLOT: research.fix_plot,
    Task.UPDATE_PLOT_LABELS: research.update_plot_labels,
    Task.SCAFFOLD: scaffolds.write_experiment,
    Task.FIX_SCAFFOLD: scaffolds.fix_experiment,
    Task.DRAFT: tree_search.tree_draft,
    Task.DEBUG: tree_search.tree_debug,
    Task.IMPROVE: tree_search.tree_improve,
    Task.WRITE_SECTION: writing.write_section,
    Task.REFINE_SECTION: writing.refine_section,
    Task.CHECK_PAPER: writing.check_paper,
    Task.FIX_LATEX: writing.fix_latex,
    Task.REVISE_DRAFT_SECTION: writing.update_draft,
    Task.CHECK_FIGURE: figures.check_figure,
    Task.CHECK_FIGURE_CODE: figures.check_figure,
    Task.REVIEW: reviewing.review,
    Task.REFLECT_REVIEW: reviewing.reflect_review,
    Task.META_REVIEW: reviewing.meta_review,
    Task.PING: lambda _asked: {"answer": "pong"},
    Task.PROBE_STRUCTURED: lambda _asked: {"aisci_probe": "yes"},
}
#: the tasks with a prompt file
FILED = frozenset(HANDLERS) - {Task.PING, Task.PROBE_STRUCTURED}

#: Where no task is named (over HTTP, through litellm): (a pattern of the prompt's title, task)
TITLES: dict[str, Task] = {
    "propose research ideas": Task.IDEATE,
    "refine a research idea": Task.REFLECT_IDEA,
    "judge the novelty of a research idea": Task.NOVELTY_STEP,
    "plan the runs of an experiment": Task.PLAN_RUNS,
    "edit the experiment code for the next run": Task.EDIT_CODE,
    "fix the plotting script": Task.FIX_PLOT,
    "name every run in the plotting script": Task.UPDATE_PLOT_LABELS,
    "write an experiment from scratch": Task.SCAFFOLD,
    "fix the new experiment": Task.FIX_SCAFFOLD,
    "draft a variant of the experiment": Task.DRAFT,
    "debug a failed variant": Task.DEBUG,
    "improve the best variant": Task.IMPROVE,
    "write the .+ section": Task.WRITE_SECTION,
    "revise the .+ section": Task.REFINE_SECTION,
    "check the whole paper": Task.CHECK_PAPER,
    "fix a latex error": Task.FIX_LATEX,
    "update the author's draft of the .+ section": Task.REVISE_DRAFT_SECTION,
    "check a figure": Task.CHECK_FIGURE,
    "check a figure without seeing it": Task.CHECK_FIGURE_CODE,
    "review the paper": Task.REVIEW,
    "check your review": Task.REFLECT_REVIEW,
    "write the meta-review": Task.META_REVIEW,
}


def count_tokens(text: str) -> int:
    """A deterministic token count: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def task_from_title(prompt: str) -> Task | None:
    """The task a prompt's last ``# Task:`` title names, for a call that names none."""
    title = reading.task(prompt)
    return next((t for pattern, t in TITLES.items() if re.fullmatch(pattern, title)), None)


def answer(messages: list[dict[str, Any]], task: str | None = None,
           facts: dict[str, str] | None = None) -> str:
    """The offline model's reply to a chat, as text: to ``task`` when the client names it,
    from ``facts`` (what fills the prompt file's placeholders) when the client has them, else
    from what its prompt file, laid over the prompt, leaves (``reading.facts``)."""
    user = [content_text(m.get("content")) for m in messages if m.get("role") == "user"]
    if task is None:
        known = task_from_title("\n".join(user))
        if known is None:
            return "The offline model answers aisci's own prompts only (no task named)."
    elif task in Task.__members__.values():
        known = Task(task)
    else:
        return f"The offline model has no skill for the task {task!r}."
    facts = facts if facts is not None else getattr(messages, "facts", None)  # a Prompt's
    if facts is None:
        facts = reading.facts(source(known), user[0]) if user and known in FILED else {}
    reply = HANDLERS[known](Asked(known, facts, "\n".join(user)))
    return reply if isinstance(reply, str) else json.dumps(reply, indent=1)


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part (text + images): keep the text parts
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def prompt_tokens(messages: list[Any]) -> int:
    """The tokens of a chat's messages, as ``count_tokens`` counts them."""
    return sum(count_tokens(content_text(m.get("content"))) for m in messages)
