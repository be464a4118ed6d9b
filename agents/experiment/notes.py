"""What an idea's records say (``agents.workflow.records`` writes them): the labels of
labels.json (for plot.py) and notes.md.

``notes.md`` says what ran and what it gave, in words a reader (and the writer model) can use:
the setup as it really was (seeds, container or host, data), every run against the baseline
with its 95 % interval, the significance tests, and the failures.
"""

from __future__ import annotations

from agents.domain import ExperimentRun, IdeaOutcome
from agents.prompts import number, table
from agents.templates import Template


def failure_summary(feedback: str) -> str:
    """The verdict line and the last line of stderr (usually the exception)."""
    lines = [line.strip() for line in feedback.splitlines() if line.strip()]
    if not lines:
        return "no output"
    return lines[0] if len(lines) == 1 else f"{lines[0]}: {lines[-1][:200]}"


def run_label(run: ExperimentRun) -> str:
    return "Baseline" if run.index == 0 else run.description


def run_name(run: ExperimentRun) -> str:
    return "baseline" if run.index == 0 else f"run {run.index}"


def what_ran(outcome: IdeaOutcome, template: Template, backend: str) -> list[str]:
    """The setup as it really was, one fact per line."""
    ok = outcome.successful_runs
    base = outcome.baseline
    n = base.stats.n_seeds if base is not None and base.stats else 1
    seeds = base.seeds if base is not None and base.seeds else list(range(n))
    where = ("in an isolated Docker container with no network" if backend == "docker"
             else "directly on the host machine, without a container")
    lines = [f"Template: {template.name}. {template.description}".strip()]
    if template.data_source:
        lines.append(f"Data: {template.data_source}.")
    runs = ", ".join(f"run {r.index} ({r.description})" for r in ok) or "none"
    sel = outcome.selection
    if sel is not None and sel.n_tried:
        tested = " on held-out test data" if sel.test_metric else ""
        lines.append(f"Variants: the baseline (the unmodified template) and {sel.n_tried} "
                     f"variant{'s' if sel.n_tried != 1 else ''} tried, {sel.n_ran} of which "
                     f"completed (each is listed with its validation result); "
                     f"reported{tested}: {runs}.")
    else:
        lines.append(f"Variants: the baseline (the unmodified template) and {len(ok)} "
                     f"run{'s' if len(ok) != 1 else ''} that completed: {runs}.")
    if n > 1:
        lines.append(f"Seeds: every variant ran {n} times, with seeds "
                     f"{', '.join(map(str, seeds))}; results are means over the seeds, with 95% "
                     f"confidence intervals.")
    else:
        lines.append("Seeds: every variant ran once (n = 1): there are no error bars and no "
                     "significance tests.")
    lines.append(f"Where: every run executed {where}.")
    direction = "lower" if outcome.lower_is_better else "higher"
    lines.append(f"Primary metric: {outcome.primary_metric} ({direction} is better), averaged "
                 f"over the groups.")
    return lines


def _cell(run: ExperimentRun, group: str, metric: str) -> str:
    stats = run.stats.get(group, metric) if run.stats else None
    if stats is None:
        value = run.final_info.value(group, metric) if run.final_info else None
        return number(value)
    if stats.ci_low is None or stats.ci_high is None:
        return number(stats.mean)
    return f"{number(stats.mean)} [{number(stats.ci_low)}, {number(stats.ci_high)}]"


def results_tables(outcome: IdeaOutcome) -> list[str]:
    ok = [r for r in outcome.runs if r.ok and r.final_info is not None]
    if not ok:
        return ["No variant produced results."]
    info = ok[0].final_info
    assert info is not None
    groups, metrics = info.groups, info.metrics
    primary = outcome.primary_metric
    ordered = [primary, *[m for m in metrics if m != primary]]
    out = []
    for metric in ordered:
        rows = [[run_name(r), run_label(r), *(_cell(r, g, metric) for g in groups),
                 number(r.primary) if metric == primary else ""] for r in ok]
        headers = ["run", "change", *groups, "mean over groups" if metric == primary else ""]
        if metric != primary:
            rows = [row[:-1] for row in rows]
            headers = headers[:-1]
        title = "primary metric" if metric == primary else "another metric"
        out += [f"`{metric}` ({title}):", table(headers, rows), ""]
    return out


def significance_lines(outcome: IdeaOutcome) -> list[str]:
    comparisons = [(r, c) for r in outcome.successful_runs if r.stats for c in r.stats.comparisons]
    tested = [(r, c) for r, c in comparisons if c.p_adjusted is not None]
    if not tested:
        return ["No significance test was possible (at least two seeds on each side are "
                "needed): no difference can be called significant."]
    family = max(len(tested), outcome.selection.family if outcome.selection else 0)
    counted = " (every variant tried x groups)" if family > len(tested) else ""
    lines = [f"Welch's t-test of each run against the baseline on {outcome.primary_metric}, per "
             f"group, Holm-corrected over {family} comparisons{counted} (significant when the "
             f"corrected p is below 0.05):"]
    for run, c in tested:
        verdict = ("significant, " + ("better" if c.better else "worse")) if c.significant \
            else "not significant"
        lines.append(f"- {run_name(run)} ({run.description}), {c.group}: difference "
                     f"{c.difference:+.4g}, corrected p = {c.p_adjusted:.3g}: {verdict}.")
    return lines


def selection_lines(outcome: IdeaOutcome) -> list[str]:
    """How the reported runs were chosen, and every variant tried (on validation)."""
    sel = outcome.selection
    if sel is None:
        return []
    lines = ["", "## How the reported result was chosen", ""]
    if sel.test_metric and outcome.primary_metric == sel.test_metric:
        lines.append(f"- The results above are on held-out test data ({sel.test_metric}), "
                     f"measured once for the baseline and the variant chosen: the {sel.rule} by "
                     f"{sel.metric}. No variant saw the test data during the search.")
    else:
        lines.append(f"- The results above are on the data the variants were chosen on "
                     f"({sel.rule} by {sel.metric}): optimistic for the chosen variant.")
    if sel.plan is not None:
        lines.append(f"- Plan fixed before the first run (sha256 {sel.plan.sha256[:12]}): "
                     f"{sel.plan.verdict} ({sel.plan.why}). Every other comparison is "
                     f"exploratory.")
    lines += [f"- Limitation: {w}." for w in sel.warnings]
    rows = [["baseline", "-", "the unmodified template", "ok", number(sel.baseline), "-"]]
    rows += [[f"run {t.node}" if t.kind == "run" else f"node {t.node}", t.kind, t.description,
              t.verdict, number(t.validation), t.role] for t in sel.tried]
    lines += ["", f"Every variant tried ({sel.n_tried}), {sel.metric} on validation:",
              table(["variant", "kind", "change", "verdict", sel.metric, "role"], rows)]
    return lines


def notes_markdown(outcome: IdeaOutcome, template: Template, backend: str) -> str:
    idea = outcome.idea
    lines = [f"# {idea.title}", "", f"Idea `{idea.name}`: {idea.experiment}", "",
             "## What ran", "", *(f"- {line}" for line in what_ran(outcome, template, backend)),
             "", "## Results", "", *results_tables(outcome),
             "## Significance", "", *significance_lines(outcome),
             *selection_lines(outcome)]
    failures = [r for r in outcome.runs if not r.ok]
    if failures:
        lines += ["", "## Failures", ""]
        lines += [f"- {run_name(r)} ({r.description}): {failure_summary(r.feedback)}"
                  for r in failures]
    lines += ["", f"Status: **{outcome.status}**" + (f" ({outcome.reason})" if outcome.reason else "")]
    return "\n".join(lines) + "\n"


def legend_labels(outcome: IdeaOutcome) -> dict[str, str]:
    """labels.json: each run folder's name as the figures' legends say it."""
    labels = {f"run_{t.node}": t.description for t in
              (outcome.selection.tried if outcome.selection else []) if t.verdict == "ok"}
    labels.update({f"run_{r.index}": run_label(r) for r in outcome.runs if r.ok})
    return labels
