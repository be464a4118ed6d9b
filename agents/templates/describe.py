"""How a template is shown to a model: the task, the primary metric, the baseline, the code.

The same text opens the ideation and coder prompts, so a local server's prefix cache serves it
once for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from agents.domain import FinalInfo
from agents.prompts import code_block, number, table
from agents.templates.grader import MAIN_GUARD
from agents.templates.template import PrimaryMetric, Template


def results_table(info: FinalInfo) -> str:
    """One row per group, one column per metric."""
    metrics = info.metrics
    return table(["group", *metrics],
                 [[g, *(number(info.value(g, m)) for m in metrics)] for g in info.groups])


def metric_sentence(metric: PrimaryMetric) -> str:
    where = "averaged over the groups" if metric.group == "*" else f"in the group {metric.group}"
    return f"The primary metric is `{metric.name}` ({metric.direction} is better), {where}."


def grader_lines(template: Template) -> list[str]:
    """What the coder may not change: the template's grader (nothing when it has none)."""
    spec = template.grader
    if spec is None or not spec.declared:
        return []
    lines = ["", "## The grader (protected)", "",
             "These parts measure the results. They are read-only: an edit that changes them "
             "is refused, and a run whose grader differs from the template's is not counted."]
    if spec.functions:
        names = ", ".join(f"`{n}`" for n in spec.functions if n != MAIN_GUARD)
        guard = ", and the main block at the end" if MAIN_GUARD in spec.functions else ""
        lines.append(f"Protected names in experiment.py (definitions you must leave exactly as "
                     f"they are{guard}): {names}")
    if spec.files:
        lines.append("Protected files: " + ", ".join(f"`{f}`" for f in spec.files))
    if spec.private:
        lines.append("The method's own code may not call: "
                     + ", ".join(f"`{n}`" for n in spec.private))
    if spec.heldout:
        lines.append("Held-out test data exists but is given only to the final evaluation of "
                     "the chosen variant; choose by the validation metric.")
    return lines


def template_context(template: Template, metric: PrimaryMetric, baseline: FinalInfo | None,
                     seeds: int, code: Mapping[str, str]) -> str:
    """The shared opening of the ideation and coder prompts."""
    parts = ["## The experiment template", "", template.task_description.strip(), "",
             metric_sentence(metric)]
    if baseline is not None:
        over = f"mean over {seeds} seeds" if seeds > 1 else "one seed"
        parts += ["", f"The baseline (the unmodified code, {over}) gives:", results_table(baseline)]
    parts += grader_lines(template)
    parts += ["", "## The code", ""]
    parts += [code_block(path, text) for path, text in code.items()]
    return "\n".join(parts)
