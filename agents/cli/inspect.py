"""``aisci list`` and ``aisci show``: the runs in the runs folder, and one run in detail.

Both fit an 80-column terminal: runs go by their short id (the start time), ``--wide`` and
``--json`` give the full ones. What they show is read through ``agents.report.summary``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agents.cli.common import OUTPUT_PANEL, ConfigOption, JsonOption, RunsDirOption, console, guarded
from agents.config import LEGACY, RunsDir, legacy_runs, resolve_runs_dir, run_folders
from agents.errors import ConfigError
from agents.report import IdeaSummary, RunSummary, load_summary, short_id
from agents.run import RunFolder

app = typer.Typer()

WideOption = Annotated[bool, typer.Option("--wide", help="Full run ids (wider than 80 columns).",
                                          rich_help_panel=OUTPUT_PANEL)]


def find_run(run_id: str, runs_dir: Path | None, config: Path | None = None) -> RunFolder:
    """A run by path, folder name, unique prefix or short id (taken literally: no wildcards);
    in the runs folder, then in ./runs (where runs were made before there was a default
    folder)."""
    if not run_id.strip() or "\0" in run_id:
        raise ConfigError("give a run folder name or path (see `aisci list`)")
    if (Path(run_id) / "run.json").is_file():
        return RunFolder(Path(run_id).resolve())
    runs = resolve_runs_dir(runs_dir, config)
    places = [runs.path, *([LEGACY] if runs.is_default else [])]
    for place in places if "/" not in run_id else []:
        folders = run_folders(place)
        matches = ([p for p in folders if p.name == run_id]
                   or [p for p in folders if short_id(p.name) == run_id]
                   or [p for p in folders if p.name.startswith(run_id)])
        if len(matches) == 1:
            return RunFolder(matches[0].resolve())
        if len(matches) > 1:
            names = ", ".join(short_id(p.name) for p in matches[:5])
            raise ConfigError(f"{run_id!r} matches {len(matches)} runs in {place} ({names}): "
                              f"give more of the id")
    raise ConfigError(f"no run {run_id!r} in {runs.path} (see `aisci list`)")


def _status(text: str) -> str:
    return text.replace("_", " ")  # a long status wraps between its words instead of being cut


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


@app.command("list")
def list_runs(runs_dir: RunsDirOption = None, wide: WideOption = False,
              as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """List the runs in the runs folder, newest last."""
    guarded(lambda: _list(resolve_runs_dir(runs_dir, config), wide=wide, as_json=as_json))


def _list(runs: RunsDir, *, wide: bool, as_json: bool) -> None:
    folders = run_folders(runs.path)
    older = legacy_runs(runs)
    note = ""
    if not folders and older:
        note = (f"No runs in {runs.path} (the default runs folder); these are in ./runs. "
                f"Set runs_dir in the config or AISCI_RUNS_DIR to keep one folder.")
        folders, older = older, []
    elif older:
        note = f"{len(older)} more runs in ./runs: aisci list --runs-dir runs"
    summaries = [load_summary(p) for p in folders]
    if as_json:
        for s in summaries:
            found = s.winner()
            print(json.dumps({
                "id": s.id, "short_id": short_id(s.id), "path": str(s.path.resolve()),
                "status": s.header.status, "topic": s.header.topic, "template": s.header.template,
                "started": s.header.started, "cost_usd": s.cost_usd,
                "best": None if found is None else {
                    "idea": found[0].name, "run": found[1].index, "metric": found[0].primary_metric,
                    "primary": found[1].primary},
                "report": str(s.report.resolve()) if s.report.is_file() else None}), flush=True)
        return
    console.print(Text(f"Runs in {runs.path.resolve() if folders else runs.path}"
                       + ("" if runs.is_default or runs.source == "--runs-dir"
                          else f" (from {runs.source})"), style="dim"), soft_wrap=True)
    if not summaries:
        console.print(Text("No runs yet. Start one with: aisci run \"your topic\" "
                           "(the runs folder is set by --runs-dir, AISCI_RUNS_DIR or runs_dir "
                           "in the config)."), soft_wrap=False)
    else:
        table = Table("run", "status", "topic", "best", "USD", box=None, pad_edge=False)
        for s in summaries:
            found = s.winner()
            best = "-" if found is None else f"{_value(found[1].primary)}"
            table.add_row(s.id if wide else short_id(s.id), _status(s.header.status),
                          s.header.topic or "?", best,
                          "-" if s.cost_usd is None else f"{s.cost_usd:.2f}")
        # --wide: as wide as the full ids need, whatever the terminal
        (Console(width=1000, highlight=False) if wide else console).print(table)
    if note:
        console.print(Text(note, style="yellow"))


@app.command()
def show(run_id: Annotated[str, typer.Argument(help="Run id (or its short id, a unique prefix, "
                                               "or the folder's path).")],
         runs_dir: RunsDirOption = None, config: ConfigOption = None,
         calls: Annotated[bool, typer.Option("--calls", help="List every model call (stage, "
                          "idea, role, task, tokens, where its transcript is).")] = False,
         call: Annotated[int | None, typer.Option("--call", help="Show one call's messages and "
                         "reply (its number in --calls).")] = None) -> None:
    """Show one run: each idea's variants on the primary metric, verdicts, reviews, failures,
    cost, and where the report is (or its model calls)."""
    from agents.cli.calls import show_call, show_calls

    if call is not None:
        guarded(lambda: show_call(find_run(run_id, runs_dir, config), call))
    elif calls:
        guarded(lambda: show_calls(find_run(run_id, runs_dir, config)))
    else:
        guarded(lambda: _show(load_summary(_valid(find_run(run_id, runs_dir, config)).path)))


def _valid(run: RunFolder) -> RunFolder:
    """The run, once its run.json validates (``RunRecordError``, one line, exit 2, if not):
    ``show`` describes one run and says so when its record is not one aisci wrote."""
    from agents.run import read_run_record

    read_run_record(run)
    return run


def _show(s: RunSummary) -> None:
    h = s.header
    cost = "" if s.cost_usd is None else f" · ${s.cost_usd:.4f}" + (" (notional)" if s.notional else "")
    wall = "" if h.wall_s is None else f" · {h.wall_s:.0f} s"
    console.print(Text.assemble((s.id, "bold"), f"  {_status(h.status)}"), soft_wrap=True)
    console.print(Text(f"topic: {h.topic} · template {h.template}{wall}{cost}"), soft_wrap=False)
    for idea in s.ideas:
        console.print()
        _show_idea(idea)
    for failure in h.failures:
        where = f" {failure.idea}" if failure.idea else ""
        console.print(Text.assemble(("✗ ", "red"), f"{failure.stage}{where}: {failure.reason}"))
    console.print()
    report = s.report.resolve()
    console.print(Text(f"report: {report}" if s.report.is_file() else "report: not written yet"),
                  soft_wrap=True)


def _show_idea(idea: IdeaSummary) -> None:
    novel = {True: "novel", False: "not novel", None: "novelty not judged"}[idea.novel]
    state = idea.status or ("not run" if not idea.selected else "running")
    console.print(Text.assemble((idea.name, "bold"), f" · {novel} · {state}"))
    if idea.title:
        console.print(Text(idea.title, style="dim"))
    if idea.runs:
        direction = "lower" if idea.lower_is_better else "higher"
        table = Table("run", "change", "verdict", idea.primary_metric or "primary",
                      "better (sig.)", box=None, pad_edge=False,
                      caption=f"{idea.primary_metric}: mean over groups and seeds, {direction} is "
                              f"better; better (sig.): groups better than the baseline "
                              f"(significant, Holm)", caption_justify="left")
        best = idea.best()
        for run in idea.runs:
            comparisons = run.stats.comparisons if run.stats else []
            groups = ("" if run.index == 0 or not comparisons else
                      f"{sum(c.better for c in comparisons)}/{len(comparisons)} "
                      f"({sum(c.better and c.significant for c in comparisons)})")
            mark = " ★" if best is not None and run.index == best.index else ""
            table.add_row(f"run_{run.index}{mark}", run.description,
                          Text(run.verdict, style="green" if run.ok else "red"),
                          _value(run.primary), groups)
        console.print(table)
    elif idea.reason:
        console.print(Text(f"  {idea.reason}"))
    for review in idea.reviews:
        scores = ", ".join(str(o) for o in review.overall)
        console.print(Text(f"review v{review.version}: {review.decision}, mean overall "
                           f"{review.mean_overall:.2f} (scores {scores})"))
    for paper in idea.papers:
        console.print(Text(f"paper: {paper.resolve()}"), soft_wrap=True)
