"""Plots of all runs: a ``plot.py`` that selects its runs by a ``labels`` dict (AI-Scientist's
convention: ``labels = {"run_0": "Baselines"}``) draws only the runs the dict names. Before the
plots are drawn, the coder is asked to update the dict for the runs that exist (as a code edit,
like any other); the edit is then checked by reading the dict back, and what it still leaves
out is a plot note.

    >>> labels_dict('labels = {"run_0": "Baselines"}\\n')
    {'run_0': 'Baselines'}
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

from agents.domain import EventBase, PlotLabels
from agents.errors import LLMError
from agents.experiment.code_edits import CoderReply, apply_edits, read_coder_reply
from agents.llm import LLMClient
from agents.prompts import Task, code_block, json_block, render

NAME = "labels"
TRIES = 2


def labels_dict(code: str) -> dict[str, str] | None:
    """The ``labels = {...}`` that selects plot.py's runs: a non-empty literal dict of strings,
    never set otherwise (a script that fills ``labels`` from labels.json or a loop selects its
    runs some other way). Set twice, the last one wins."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    values = [node.value for node in ast.walk(tree)
              if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
              and any(isinstance(t, ast.Name) and t.id == NAME
                      for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
    if not values or not all(isinstance(v, ast.Dict) and v.keys for v in values):
        return None
    try:
        value = ast.literal_eval(values[-1])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return None
    return dict(value)


def left_out(code: str, runs: dict[str, str]) -> list[str]:
    """The runs a labels-dict plot.py does not name ([] when it names all, or has no dict)."""
    named = labels_dict(code)
    return [] if named is None else [r for r in runs if r not in named]


async def name_every_run(llm: LLMClient, record: Callable[[EventBase], None], area: str,
                         code_dir: Path, runs: dict[str, str], idea: str) -> str | None:
    """Ask the coder (``llm``, in the research ``area``) to put every run in plot.py's labels
    dict; None when it names them all (or plot.py has no such dict), else a note on what its
    figures leave out. Each try is ``record``ed."""
    path = code_dir / "plot.py"
    feedback = ""
    for _ in range(TRIES):
        current = path.read_text(encoding="utf-8")
        missing = left_out(current, runs)
        if not missing:
            return None
        messages = render(Task.UPDATE_PLOT_LABELS, area=area,
                          code=code_block("plot.py", current), runs=json_block(runs),
                          feedback=feedback)

        def parse(text: str, current: str = current) -> CoderReply:
            return read_coder_reply(text, default_path="plot.py", current=current)

        try:
            reply = await llm.ask("coder", Task.UPDATE_PLOT_LABELS, messages, parse,
                                  what="plot labels")
        except LLMError as exc:
            feedback = f"Your last reply could not be used: {str(exc)[:300]}\n"
            continue
        applied = not reply.done and apply_edits(code_dir, reply.edits).ok
        still = left_out(path.read_text(encoding="utf-8"), runs)
        record(PlotLabels(idea=idea, applied=applied, left_out=still))
        if applied and labels_dict(path.read_text(encoding="utf-8")) is None:
            path.write_text(current, encoding="utf-8")  # the edit broke the dict: undo it
            still = missing
        if not still:
            return None
        feedback = (f"After your last edit, the labels dict still leaves out "
                    f"{', '.join(still)}.\n" if applied else
                    "Your last edit did not apply: copy the SEARCH lines exactly.\n")
    final = left_out(path.read_text(encoding="utf-8"), runs)
    return (f"plot.py draws only the runs in its labels dict, which leaves out "
            f"{', '.join(final)}: its figures do not show them") if final else None
