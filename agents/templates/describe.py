"""How a template is shown to a model: the task, the primary metric, the baseline, the code.

The same text opens the ideation and coder prompts, so a local server's prefix cache serves it
once for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from agents.domain.results import FinalInfo
from agents.prompts.format import code_block, number, table
from agents.templates.template import PrimaryMetric, Template


def results_table(info: FinalInfo) -> str:
    """One row per group, one column per metric."""
    metrics = info.metrics
    return table(["group", *metrics],
                 [[g, *(number(info.value(g, m)) for m in metrics)] for g in info.groups])


def metric_sentence(metric: PrimaryMetric) -> str:
    where = "averaged over the groups" if metric.group == "*" else f"in the group {metric.group}"
    return f"The primary metric is `{metric.name}` ({metric.direction} is better), {where}."


def template_context(template: Template, metric: PrimaryMetric, baseline: FinalInfo | None,
                     seeds: int, code: Mapping[str, str]) -> str:
    """The shared opening of the ideation and coder prompts."""
    parts = ["## The experiment template", "", template.task_description.strip(), "",
             metric_sentence(metric)]
    if baseline is not None:
        over = f"mean over {seeds} seeds" if seeds > 1 else "one seed"
        parts += ["", f"The baseline (the unmodified code, {over}) gives:", results_table(baseline)]
    parts += ["", "## The code", ""]
    parts += [code_block(path, text) for path, text in code.items()]
    return "\n".join(parts)
