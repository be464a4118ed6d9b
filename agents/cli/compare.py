"""``aisci compare RUN [RUN ...]``: ideas and runs side by side on their primary metric.

One row per idea's baseline and best variant, one column per group: the mean over seeds with
its 95 % interval (``±`` the half-width, from stats.json) and a ``*`` where the difference to
the baseline is significant (Welch, Holm-corrected). Runs on different metrics get a table each.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from agents.cli.common import ConfigOption, JsonOption, RunsDirOption, console, guarded
from agents.cli.inspect import find_run
from agents.domain import ExperimentRun
from agents.report import IdeaSummary, RunSummary, load_summary, short_id

app = typer.Typer()
#: Fixed widths, so the tables of every variant line up (76 columns in all).
WIDTHS = (("", 2), ("group", 12), ("mean", 9), ("95 % interval", 20), ("n", 3), ("vs base", 9),
          ("sig.", 4))


def _g(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def group_cells(idea: IdeaSummary, run: ExperimentRun, group: str) -> list[str] | None:
    """mean, 95 % interval, n, difference to the baseline, significant: from stats.json."""
    stats = run.stats.get(group, idea.primary_metric) if run.stats else None
    if stats is None or stats.n == 0:
        return None
    interval = ("-" if stats.ci_low is None or stats.ci_high is None
                else f"[{stats.ci_low:.3g}, {stats.ci_high:.3g}]")
    comparison = run.stats.comparison(group) if run.stats and run.index > 0 else None
    diff = "" if comparison is None else f"{comparison.difference:+.3g}"
    sig = "" if comparison is None else ("yes" if comparison.significant else "no")
    return [_g(stats.mean), interval, str(stats.n), diff, sig]


def rows(summary: RunSummary) -> list[tuple[IdeaSummary, ExperimentRun]]:
    """Each idea's baseline and best variant (the baseline once per run when ideas share it)."""
    out: list[tuple[IdeaSummary, ExperimentRun]] = []
    seen_baseline = False
    for idea in summary.ideas:
        base, best = idea.baseline, idea.best()
        if base is not None and not seen_baseline:
            out.append((idea, base))
            seen_baseline = True
        if best is not None:
            out.append((idea, best))
    return out


@app.command()
def compare(
    run_ids: Annotated[list[str], typer.Argument(help="Runs (ids, short ids or paths).",
                                                 metavar="RUN...")],
    runs_dir: RunsDirOption = None, as_json: JsonOption = False, config: ConfigOption = None,
) -> None:
    """Put the ideas of one or more runs side by side on their primary metric, with intervals.

    Example: aisci compare 20261206-231644 20261207-090215
    """
    def body() -> None:
        paths = [find_run(r, runs_dir, config).path for r in run_ids]
        _compare([load_summary(p) for p in dict.fromkeys(paths)], as_json=as_json)

    guarded(body)


def _compare(summaries: list[RunSummary], *, as_json: bool) -> None:
    by_metric: dict[tuple[str, bool], list[tuple[RunSummary, IdeaSummary, ExperimentRun]]] = {}
    for summary in summaries:
        for idea, run in rows(summary):
            by_metric.setdefault((idea.primary_metric, idea.lower_is_better), []).append(
                (summary, idea, run))
    if as_json:
        for (metric, lower), entries in by_metric.items():
            for summary, idea, run in entries:
                stats = run.stats.groups if run.stats else {}
                print(json.dumps({
                    "run": summary.id, "idea": idea.name, "variant": run.index,
                    "description": run.description, "metric": metric, "lower_is_better": lower,
                    "primary": run.primary,
                    "groups": {g: {**s[metric].model_dump(exclude={"values"}),
                                   "significant": bool(run.index and (c := run.stats.comparison(g))
                                                       and c.significant) if run.stats else False}
                               for g, s in stats.items() if metric in s}}), flush=True)
        return
    for summary in summaries:
        if not rows(summary):
            console.print(Text(f"{short_id(summary.id)}: no experiment results yet "
                               f"({summary.header.status.replace('_', ' ')})", style="yellow"))
    for (metric, lower), entries in by_metric.items():
        console.print(Text(f"{metric} ({'lower' if lower else 'higher'} is better): mean and 95 % "
                           f"interval over n seeds (stats.json); vs base: difference to the "
                           f"run's baseline; sig.: significant (Welch, Holm-corrected)",
                           style="dim"))
        last_run = None
        for summary, idea, run in entries:
            if summary.id != last_run:
                console.print(Text.assemble("\n", (short_id(summary.id), "bold"),
                                            f"  {summary.header.topic}"))
                last_run = summary.id
            label = "baseline" if run.index == 0 else idea.name
            console.print(Text.assemble(f"  {label} ", (f"run_{run.index}", "cyan"),
                                        f" {run.description}"))
            table = Table(box=None, pad_edge=False, show_header=True)
            for name, width in WIDTHS:
                table.add_column(name, width=width, overflow="fold",
                                 justify="left" if name in ("group", "95 % interval", "sig.")
                                 else "right")
            for group in run.stats.groups if run.stats else []:
                cells = group_cells(idea, run, group)
                if cells is not None:
                    table.add_row("", group, *cells)
            console.print(table)
