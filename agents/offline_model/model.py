"""The built-in offline model (``mock/...``).

The client calls it in-process (``agents/llm/backends.py``), through the same retries, repairs,
transcripts, token and cost accounting as a hosted model, without importing litellm (3 s of
CPU at every start); ``litellm_handler.py`` also registers it with litellm as the ``mock``
provider, for code that calls litellm directly. It is deterministic and reads the prompts real
models get: it recognises the task by the prompt's ``# Task:`` title and reads the facts from
the text (see ``reading.py``). The answers are real work on that data: ideas built from the
template's actual knobs, code edits that change the results, paper text quoting the run's
numbers, reviews computed from the paper.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from agents.offline_model import figures, reading, research, reviewing, scaffolds, tree_search, writing

_TOKEN = re.compile(r"\w+|[^\w\s]")

Handler = Callable[[str], Any]

#: (a pattern of the task title, the skill that answers it)
HANDLERS: dict[str, Handler] = {
    "propose research ideas": research.ideate,
    "refine a research idea": research.reflect_idea,
    "judge the novelty of a research idea": research.novelty_step,
    "plan the runs of an experiment": research.plan_runs,
    "edit the experiment code for the next run": research.edit_code,
    "fix the plotting script": research.fix_plot,
    "name every run in the plotting script": research.update_plot_labels,
    "write an experiment from scratch": scaffolds.write_experiment,
    "fix the new experiment": scaffolds.fix_experiment,
    "draft a variant of the experiment": tree_search.tree_draft,
    "debug a failed variant": tree_search.tree_debug,
    "improve the best variant": tree_search.tree_improve,
    "write the .+ section": writing.write_section,
    "revise the .+ section": writing.refine_section,
    "check the whole paper": writing.check_paper,
    "fix a latex error": writing.fix_latex,
    "update the author's draft of the .+ section": writing.update_draft,
    "check a figure": figures.check_figure,
    "check a figure without seeing it": figures.check_figure,
    "review the paper": reviewing.review,
    "check your review": reviewing.reflect_review,
    "write the meta-review": reviewing.meta_review,
}


def count_tokens(text: str) -> int:
    """A deterministic token count: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def handler_for(title: str) -> Handler | None:
    return next((h for pattern, h in HANDLERS.items() if re.fullmatch(pattern, title)), None)


def answer(messages: list[dict[str, Any]]) -> str:
    """The offline model's reply to a chat, as text."""
    prompt = "\n".join(content_text(m.get("content")) for m in messages if m.get("role") != "system")
    title = reading.task(prompt)
    if not title:
        if "say hello" in prompt.lower():
            return "Hello! I am aisci's offline model."
        return "The offline model answers aisci's own prompts only (no '# Task:' title found)."
    handler = handler_for(title)
    if handler is None:
        return f"The offline model has no skill for the task {title!r}."
    reply = handler(prompt)
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
