"""``aisci list`` and ``aisci show``: the runs in a runs folder, and one run in detail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agents.cli.common import RunsDirOption, console, guarded
from agents.errors import ConfigError
from agents.run.folder import RunFolder

app = typer.Typer()


def find_run(run_id: str, runs_dir: Path) -> RunFolder:
    for candidate in (Path(run_id), runs_dir / run_id):
        if (candidate / "run.json").is_file():
            return RunFolder(candidate.resolve())
    matches = sorted(runs_dir.glob(f"{run_id}*")) if runs_dir.is_dir() else []
    if len(matches) == 1 and (matches[0] / "run.json").is_file():
        return RunFolder(matches[0].resolve())
    raise ConfigError(f"no run {run_id!r} in {runs_dir} (see `aisci list`)")


@app.command("list")
def list_runs(runs_dir: RunsDirOption = Path("runs")) -> None:
    """List the runs in the runs folder."""
    table = Table("run", "status", "template", "topic", "cost (USD)")
    for path in sorted(runs_dir.glob("*/run.json")) if runs_dir.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            cost = json.loads((path.parent / "cost.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            record, cost = {}, {}
        table.add_row(path.parent.name, record.get("status", "?"), record.get("template", "?"),
                      record.get("topic", "?"),
                      f"{cost.get('total', {}).get('cost_usd', 0.0):.4f}")
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
    record = run_folder.read_json("run.json", {}) or {}
    console.print(f"[bold]{run_folder.id}[/bold]  {record.get('status', '?')}  "
                  f"template={record.get('template')}  topic={record.get('topic')!r}",
                  highlight=False, markup=True)
    ideas = Table("idea", "score", "novel", "selected", "runs", "paper", "decision")
    for idea in run_folder.read_json("ideas.json", []) or []:
        idea_dir = run_folder.idea_dir(idea["name"])
        runs = run_folder.read_json(f"ideas/{idea['name']}/runs.json", []) or []
        meta = run_folder.read_json(f"ideas/{idea['name']}/reviews/meta_review.json", {}) or {}
        verdict = idea.get("novelty_verdict") or {}
        ideas.add_row(
            idea["name"], str(idea["interestingness"] + idea["feasibility"] + idea["novelty"]),
            "?" if not verdict else ("yes" if verdict.get("novel") else "no"),
            "yes" if idea.get("selected") else "no",
            " ".join(f"{r['index']}:{r['verdict']}" for r in runs),
            "pdf" if (idea_dir / "paper" / "paper.pdf").exists() else "-",
            f"{meta.get('decision', '-')} ({meta.get('mean_overall', '-')})" if meta else "-")
    console.print(ideas)
    for failure in record.get("failures", []):
        where = f" {failure['idea']}" if failure.get("idea") else ""
        console.print(f"failed: {failure['stage']}{where}: {failure['reason']}", highlight=False,
                      markup=False, soft_wrap=True)
    cost = run_folder.read_json("cost.json", {}) or {}
    total = cost.get("total", {})
    console.print(f"cost: ${total.get('cost_usd', 0):.4f}, {total.get('calls', 0)} calls, "
                  f"{total.get('prompt_tokens', 0)} + {total.get('completion_tokens', 0)} tokens",
                  highlight=False)
