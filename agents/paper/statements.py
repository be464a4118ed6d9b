"""The true wording, up front: each comparison of the runs as a sentence the writer can copy.

The writer's context states, for each run against the baseline in each group (and over the
groups) on the primary metric, the two values, the direction of the difference (higher or
lower, better or worse), its size as a difference, in percentage points (for a metric that
is a share, such as an accuracy) and as a relative change, and whether the corrected test
calls it significant; then the true counts. A model that copies these sentences writes claims
that the claim check (``agents.paper.truth``) accepts; one that rewords them is checked
against the same facts.
"""

from __future__ import annotations

from agents.domain import ExperimentRun, IdeaOutcome
from agents.paper.facts import percent_scale
from agents.prompts import number


def _name(run: ExperimentRun) -> str:
    return "the baseline" if run.index == 0 else f"run {run.index} ({run.description})"


def _verdict(run: ExperimentRun, group: str | None) -> str:
    comparison = run.stats.comparison(group) if run.stats and group else None
    if comparison is None or comparison.p_adjusted is None:
        if group is None:
            return "the mean over groups was not tested, so do not call it significant"
        return "not tested (one seed per variant), so do not call it significant"
    p = number(comparison.p_adjusted, 3)
    if comparison.significant:
        return f"significant (Holm-corrected p = {p})"
    return f"not significant (Holm-corrected p = {p}), so do not call it significant or an improvement"


def comparison_sentence(run: ExperimentRun, base: ExperimentRun, group: str | None,
                        metric: str, lower_is_better: bool) -> str | None:
    if group is None:
        a, b = run.primary, base.primary
    else:
        a = run.final_info.value(group, metric) if run.final_info else None
        b = base.final_info.value(group, metric) if base.final_info else None
    if a is None or b is None:
        return None
    diff = a - b
    where = f"On {group}" if group else "Over the groups (the mean over groups)"
    if diff == 0:
        return f"{where}, {_name(run)} and the baseline reach the same {metric}: {number(a)}."
    higher = diff > 0
    scale = percent_scale(metric, [a, b])
    parts = [f"{number(abs(diff) * scale)} percentage points"] if scale else []
    parts += [f"a relative change of {number(diff / abs(b) * 100)}%"] if b else []
    size = f"{number(abs(diff))}" + (f" ({', '.join(parts)})" if parts else "")
    way = "lower" if lower_is_better else "higher"
    return (f"{where}, {_name(run)} reaches a {metric} of {number(a)} against {number(b)} for "
            f"the baseline: {'higher' if higher else 'lower'} by {size}, where {way} is better; "
            f"{_verdict(run, group)}.")


def statements(outcome: IdeaOutcome) -> str:
    base = outcome.baseline
    runs = [r for r in outcome.successful_runs if r.final_info is not None]
    if base is None or base.final_info is None or not runs:
        return "No comparison is possible: no run besides the baseline has results."
    metric = outcome.primary_metric
    lines = []
    for run in runs:
        for group in [*base.final_info.groups, None]:
            sentence = comparison_sentence(run, base, group, metric, outcome.lower_is_better)
            if sentence:
                lines.append(f"- {sentence}")
    n = base.stats.n_seeds if base.stats else 1
    groups = len(base.final_info.groups)
    lines.append(f"- Counts: {n} seed{'s' if n != 1 else ''} per variant; {len(runs) + 1} "
                 f"variants (the baseline and {len(runs)} run{'s' if len(runs) != 1 else ''}); "
                 f"{groups} group{'s' if groups != 1 else ''}. Only {metric} was tested for "
                 f"significance, each run against the baseline in each group.")
    return "\n".join(lines)
