"""The results table of a paper: generated from the run files, locked against edits.

One row per run that completed (the baseline first), one column per group, the primary metric
in every cell: the mean over seeds and the half-width of its 95 % confidence interval, with a
star where the difference from the baseline is significant after the Holm correction. With
one seed there are no intervals and no stars, and the caption says so. Every number is
formatted from a float; every name is escaped.
"""

from __future__ import annotations

from agents.domain import ExperimentRun, IdeaOutcome
from agents.paper.numbers import LOCK_BEGIN, LOCK_END
from agents.tex import latex_escape, tex_number


def _cell(run: ExperimentRun, group: str, metric: str) -> str:
    stats = run.stats.get(group, metric) if run.stats else None
    value = stats.mean if stats else (run.final_info.value(group, metric) if run.final_info else None)
    if value is None:
        return "--"
    text = tex_number(value)
    if stats is not None and stats.half_width is not None:
        text += f" $\\pm$ {tex_number(stats.half_width, 2)}"
    elif stats is not None and stats.ci_low is not None and stats.ci_high is not None:
        text += f" [{tex_number(stats.ci_low, 3)}, {tex_number(stats.ci_high, 3)}]"
    comparison = run.stats.comparison(group) if run.stats and run.index else None
    if comparison is not None and comparison.significant:
        text += "$^{*}$"
    return text


def caption(outcome: IdeaOutcome) -> str:
    metric = latex_escape(outcome.primary_metric)
    better = "lower" if outcome.lower_is_better else "higher"
    base = outcome.baseline
    n = base.stats.n_seeds if base is not None and base.stats else 1
    runs = len(outcome.successful_runs)
    text = (f"{metric} per group for the baseline and {runs} run{'s' if runs != 1 else ''} "
            f"({better} is better). ")
    if n > 1:
        comparisons = sum(len(r.stats.comparisons) for r in outcome.successful_runs if r.stats)
        clipped = any(s.clipped for r in [*outcome.successful_runs, base] if r and r.stats
                      for ms in r.stats.groups.values() for s in ms.values())
        cut = (" (an interval cut at the metric's range is given as [low, high])" if clipped
               else "")
        if outcome.selection is not None:  # every variant tried counts, not only these rows
            comparisons = max(comparisons, outcome.selection.family)
        text += (f"Each cell is the mean over n = {n} seeds $\\pm$ the half-width of its 95\\% "
                 f"confidence interval{cut}; $^{{*}}$ marks a difference from the baseline that is "
                 f"significant (Welch's t-test, Holm-corrected over {comparisons} comparisons, "
                 f"$\\alpha = 0.05$).")
    else:
        text += ("Each variant ran once (n = 1): the cells are single runs, with no error bars "
                 "and no significance test.")
    return text


def results_table(outcome: IdeaOutcome) -> str:
    """The table as LaTeX, between the lock markers (empty when no run has results)."""
    runs = [r for r in outcome.runs if r.ok and r.final_info is not None]
    if not runs:
        return ""
    info = runs[0].final_info
    assert info is not None
    groups = info.groups
    metric = outcome.primary_metric
    header = " & ".join(["Run", *(latex_escape(g) for g in groups)]) + r" \\"
    rows = [" & ".join([latex_escape("Baseline" if r.index == 0 else r.description),
                        *(_cell(r, g, metric) for g in groups)]) + r" \\" for r in runs]
    return "\n".join([
        LOCK_BEGIN, r"\begin{table}[t]", r"\centering", rf"\caption{{{caption(outcome)}}}",
        r"\label{tab:results}", r"\resizebox{\linewidth}{!}{%",
        rf"\begin{{tabular}}{{l{'c' * len(groups)}}}", r"\toprule", header, r"\midrule", *rows,
        r"\bottomrule", r"\end{tabular}}", r"\end{table}", LOCK_END])
