"""``aisci list`` and ``aisci show``: the runs in a runs folder, and one run in detail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agents.cli.common import RunsDirOption, console, guarded
from agents.errors import ConfigError
from agents.run.folder import RunFolder

app = typer.Typer()


def find_run(run_id: str, runs_dir: Path) -> RunFolder:
    """The run folder ``run_id`` names: a path to one, a folder name in ``runs_dir``, or a
    unique prefix of one (taken literally: no wildcards)."""
    if not run_id.strip() or "\0" in run_id:
        raise ConfigError("give a run folder name or path (see `aisci list`)")
    for candidate in (Path(run_id), runs_dir / run_id):
        if (candidate / "run.json").is_file():
            return RunFolder(candidate.resolve())
    names = ([p.name for p in runs_dir.iterdir() if p.is_dir() and (p / "run.json").is_file()]
             if runs_dir.is_dir() and "/" not in run_id else [])
    matches = sorted(n for n in names if n.startswith(run_id))
    if len(matches) == 1:
        return RunFolder((runs_dir / matches[0]).resolve())
    if len(matches) > 1:
        raise ConfigError(f"{run_id!r} fits {len(matches)} runs in {runs_dir} "
                          f"({', '.join(matches[:3])}{', ...' if len(matches) > 3 else ''}): "
                          f"give more of the name")
    raise ConfigError(f"no run {run_id!r} in {runs_dir} (a run folder holds a run.json; "
                      f"see `aisci list`)")


@app.command("list")
def list_runs(runs_dir: RunsDirOption = Path("runs")) -> None:
    """List the runs in the runs folder."""
    from agents.run.cost import CostLedger
    from agents.run.record import RunRecordError, read_typed, try_read_run_record

    table = Table("run", "status", "template", "topic", "cost (USD)")
    for path in sorted(runs_dir.glob("*/run.json")) if runs_dir.is_dir() else []:
        run = RunFolder(path.parent)
        record = try_read_run_record(run)
        try:
            cost = read_typed(run, "cost.json", CostLedger, None)
        except RunRecordError:
            cost = None
        table.add_row(path.parent.name, record.status.value if record else "? (invalid run.json)",
                      record.template if record else "?", record.topic if record else "?",
                      f"{cost.total.cost_usd:.4f}" if cost else "-")
    console.print(table)


@app.command()
def show(run_id: Annotated[str, typer.Argument(help="Run folder name (or a unique prefix) or path.")],
         runs_dir: RunsDirOption = Path("runs"),
         calls: Annotated[bool, typer.Option("--calls", help="List every model call (stage, "
                          "idea, role, task, tokens, where its transcript is).")] = False,
         call: Annotated[int | None, typer.Option("--call", help="Show one call's messages and "
                         "reply (its number in --calls).")] = None) -> None:
    """Show one run: ideas, runs, papers, reviews, failures, cost (or its model calls)."""
    from agents.cli.calls import show_call, show_calls

    if call is not None:
        guarded(lambda: show_call(find_run(run_id, runs_dir), call))
    elif calls:
        guarded(lambda: show_calls(find_run(run_id, runs_dir)))
    else:
        guarded(lambda: _show(find_run(run_id, runs_dir)))


def _show(run_folder: RunFolder) -> None:
    from typing import Any

    from agents.domain.experiments import ExperimentRun
    from agents.domain.ideas import Idea
    from agents.run.cost import CostLedger
    from agents.run.record import read_run_record, read_typed

    record = read_run_record(run_folder)
    console.print(f"[bold]{escape(run_folder.id)}[/bold]  {record.status.value}  "
                  f"template={escape(record.template)}  topic={escape(repr(record.topic))}",
                  highlight=False, markup=True)
    ideas = Table("idea", "score", "novel", "selected", "runs", "paper", "decision")
    for idea in read_typed(run_folder, "ideas.json", list[Idea], []):
        idea_dir = run_folder.idea_dir(idea.name)
        runs = read_typed(run_folder, f"ideas/{idea.name}/runs.json", list[ExperimentRun], [])
        meta = read_typed(run_folder, f"ideas/{idea.name}/reviews/meta_review.json",
                          dict[str, Any], {})
        verdict = idea.novelty_verdict
        ideas.add_row(
            idea.name, str(idea.score),
            "?" if verdict is None else ("yes" if verdict.novel else "no"),
            "yes" if idea.selected else "no",
            " ".join(f"{r.index}:{r.verdict}" for r in runs),
            "pdf" if (idea_dir / "paper" / "paper.pdf").exists() else "-",
            f"{meta.get('decision', '-')} ({meta.get('mean_overall', '-')})" if meta else "-")
    console.print(ideas)
    for failure in record.failures:
        where = f" {failure.idea}" if failure.idea else ""
        console.print(f"failed: {failure.stage}{where}: {failure.reason}", highlight=False,
                      markup=False, soft_wrap=True)
    cost = read_typed(run_folder, "cost.json", CostLedger, CostLedger())
    total = cost.total
    console.print(f"cost: ${total.cost_usd:.4f}, {total.calls} calls, "
                  f"{total.prompt_tokens} + {total.completion_tokens} tokens", highlight=False)
