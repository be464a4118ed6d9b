"""The ``aisci`` command line. Heavy imports (litellm, langgraph, docker) happen inside commands,
so ``aisci --help`` answers at once. Errors are one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from agents.errors import AisciError, BudgetExceeded, ConfigError

app = typer.Typer(help="aisci: an AI scientist. Ideas, literature, sandboxed experiments, "
                       "a LaTeX paper and its reviews, from one topic.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
template_app = typer.Typer(help="Experiment templates.", no_args_is_help=True)
app.add_typer(template_app, name="template")

console = Console()
err = Console(stderr=True)
T = TypeVar("T")



def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def guarded(fn: Callable[[], T], *, run_dir: Path | None = None) -> T:
    """Run a command body: known errors become one line; unknown ones are logged to the run."""
    from sandbox.base import SandboxError

    try:
        return fn()
    except (AisciError, SandboxError) as exc:
        code = 2 if isinstance(exc, ConfigError) else 3 if isinstance(exc, BudgetExceeded) else 1
        raise fail(str(exc), code) from None
    except KeyboardInterrupt:
        hint = f" Continue with: aisci resume {run_dir.name}" if run_dir else ""
        raise fail(f"interrupted.{hint}", 130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        where = ""
        if run_dir is not None and run_dir.exists():
            (run_dir / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
            where = f" Details: {run_dir / 'error.log'}."
        raise fail(f"unexpected {type(exc).__name__}: {str(exc)[:300]}.{where}") from None


def _summary(node: str, update: dict[str, Any]) -> str:
    """One line on what a finished node did."""
    if node in ("ideate", "check_novelty") and update.get("ideas"):
        ideas = update["ideas"]
        chosen = sum(1 for i in ideas if getattr(i, "selected", False))
        return f"{len(ideas)} ideas" + (f", {chosen} selected" if node == "check_novelty" else "")
    if node == "experiment" and update.get("outcomes"):
        o = update["outcomes"][0]
        runs = ", ".join(f"run_{r.index} {r.verdict}" for r in o.runs)
        return f"{o.idea.name}: {o.status} ({runs})"
    if node == "plot":
        return ", ".join(f"{o.idea.name}: {len(o.plots)} plots" for o in update.get("plotted", []))
    if node == "write_paper":
        return ", ".join(f"{p.idea_name}: {p.pages or '?'} pages" if p.pdf_path
                         else f"{p.idea_name}: not compiled" for p in update.get("papers", []))
    if node == "review":
        return ", ".join(f"{r.idea_name} v{r.paper_version}: {r.decision} ({r.mean_overall})"
                         for r in update.get("reviews", []))
    return ""


class Output:
    """What the terminal shows: lines for people (default), nothing but the result
    (--quiet), or one JSON object per line (--json)."""

    def __init__(self, quiet: bool = False, as_json: bool = False) -> None:
        self.mode = "json" if as_json else "quiet" if quiet else "rich"

    def info(self, message: str, **fields: Any) -> None:
        if self.mode == "rich":
            console.print(message, highlight=False)
        elif self.mode == "json" and fields:
            print(json.dumps(fields), flush=True)

    def live(self, run_folder: Any) -> Any:
        """A status line that follows the run's events (rich mode only)."""
        if self.mode != "rich":
            return contextlib.nullcontext()
        status = console.status("starting")
        totals = {"calls": 0, "cost": 0.0}
        state = {"stage": "starting", "last": ""}

        def follow(event: dict[str, Any]) -> None:
            kind = event.get("type")
            if kind == "node_start":
                state["stage"] = str(event.get("node"))
            elif kind == "llm_call":
                totals["calls"] += 1
                totals["cost"] += float(event.get("cost_usd", 0.0))
            elif kind == "sandbox_run":
                state["last"] = f"{event.get('idea')}/{event.get('run')}: {event.get('verdict')}"
            last = f" · {state['last']}" if state["last"] else ""
            status.update(f"{state['stage']} · {totals['calls']} model calls · "
                          f"${totals['cost']:.4f}{last}")

        run_folder.listeners.append(follow)
        return status

    def node(self, node: str, update: dict[str, Any]) -> None:
        if node.startswith("approve_") and not update:
            return  # a checkpoint nobody asked for, or one already answered: nothing to show
        detail = _summary(node, update)
        if self.mode == "rich":
            console.print(f"[green]✓[/green] {node}" + (f": {detail}" if detail else ""),
                          highlight=False)
        elif self.mode == "json":
            print(json.dumps({"event": "node", "node": node, "detail": detail}), flush=True)

    def done(self, run_folder: Any, values: dict[str, Any]) -> None:
        from agents.cost import CostLedger

        # execute() has just written cost.json from the events: read it, don't recount.
        ledger = CostLedger.model_validate(run_folder.read_json("cost.json", {}) or {})
        status = values.get("status", "incomplete")
        if self.mode == "json":
            print(json.dumps({"event": "done", "status": status, "run_dir": str(run_folder.path),
                              "calls": ledger.total.calls, "cost_usd": ledger.total.cost_usd,
                              "notional_cost": ledger.notional}), flush=True)
            return
        if self.mode == "quiet":
            print(run_folder.path, flush=True)
            return
        note = " (notional prices of the offline model)" if ledger.notional else ""
        tokens = ledger.total.prompt_tokens + ledger.total.completion_tokens
        console.print(f"Done: {status}. {ledger.total.calls} model calls, {tokens} tokens, "
                      f"${ledger.total.cost_usd:.4f}{note}.", highlight=False)
        console.print(f"Artifacts: {run_folder.path} (open report.html)", highlight=False)


def _drive(out: Output, run_folder: Any, settings: Any, box: Any, *, resume: bool,
           answer: bool | None) -> None:
    """Run until the graph ends; at an approval checkpoint ask here, or say how to answer later."""
    from agents.runner import execute, pending_approval

    while True:
        with out.live(run_folder):
            values = asyncio.run(execute(run_folder, settings, box, resume=resume,
                                         answer=answer, progress=out.node))
        run_folder.listeners.clear()
        pending = pending_approval(values)
        if pending is None:
            out.done(run_folder, values)
            return
        checkpoint = pending.get("checkpoint", "?")
        if out.mode == "rich" and sys.stdin.isatty():
            console.print_json(data=pending)
            answer = typer.confirm(f"Approve the {checkpoint}?", default=True)
            resume = True
            continue
        out.info(f"Waiting for your approval of the {checkpoint} (see {run_folder.path}). "
                 f"Continue with: aisci resume {run_folder.id} --yes   (or --no to skip)",
                 event="awaiting_approval", checkpoint=checkpoint, run_dir=str(run_folder.path))
        if out.mode == "quiet":
            print(run_folder.path, flush=True)
        return


ModelOption = Annotated[str | None, typer.Option(help="litellm model name for every role, e.g. "
                        "gpt-4o, anthropic/claude-sonnet-4-5, ollama_chat/qwen2.5:7b, or 'mock'.")]
ApiBaseOption = Annotated[str | None, typer.Option(help="Base URL of a local or proxy server.")]
RoleModelOption = Annotated[str | None, typer.Option(help="Model for this role only.")]
ConfigOption = Annotated[Path | None, typer.Option(help="Config file (TOML); default ./aisci.toml "
                         "or ~/.config/aisci/config.toml.")]


def preflight(settings: Any) -> None:
    """The doctor's checks, before anything is spent: blocking failures stop here."""
    from agents.doctor import blocking_failures, run_checks

    checks = run_checks(settings.models_by_role(), settings.sandbox)
    failures = blocking_failures(checks)
    if failures:
        first = failures[0]
        raise AisciError(f"{first.name}: {first.detail}. Fix: {first.fix}")
    for check in checks:
        if not check.ok:
            err.print(f"[yellow]warning:[/yellow] {check.name}: {check.detail}. Fix: {check.fix}",
                      highlight=False, soft_wrap=True)


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder.")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line, for scripts.")]


@app.command()
def run(
    topic: Annotated[str, typer.Argument(help="The research topic, in a few words.")],
    template: Annotated[str, typer.Option(help="Template name (see templates/) or folder.")] = "tiny_mlp",
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    ideation_model: RoleModelOption = None,
    novelty_model: RoleModelOption = None,
    coder_model: RoleModelOption = None,
    writer_model: RoleModelOption = None,
    reviewer_model: RoleModelOption = None,
    num_ideas: Annotated[int, typer.Option(min=1, max=20)] = 2,
    max_runs: Annotated[int | None, typer.Option(min=1, max=20, help="Runs per idea "
                        "beyond the baseline (default: the template's).")] = None,
    parallel: Annotated[int | None, typer.Option(min=1, max=64, help="Ideas run at once "
                        "(default 2).")] = None,
    reviewers: Annotated[int, typer.Option(min=1, max=10)] = 3,
    revise: Annotated[int, typer.Option(min=0, max=5, help="Revise-and-review rounds.")] = 0,
    literature: Annotated[str | None, typer.Option(help="auto (default), offline, "
                          "semantic_scholar, openalex or arxiv.")] = None,
    include_not_novel: Annotated[bool, typer.Option(help="Also run ideas judged not novel.")] = False,
    sandbox: Annotated[str | None, typer.Option(help="docker (default, hardened) or local "
                       "(UNSAFE: runs model-written code on this machine).")] = None,
    max_cost: Annotated[float | None, typer.Option(min=0.0001, help="Budget in USD: the run "
                        "stops cleanly at a stage boundary before it would go over.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Print the cost estimate and exit.")] = False,
    approve: Annotated[str, typer.Option(help="Pause for your approval at these checkpoints: "
                       "'ideas', 'paper' or 'ideas,paper'.")] = "",
    runs_dir: Annotated[Path, typer.Option(help="Where run folders go.")] = Path("runs"),
    config: ConfigOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Start a research run on TOPIC."""
    out = Output(quiet, as_json)
    if not topic.strip():
        raise fail("the topic is empty: say what to research, e.g. aisci run \"momentum in small MLPs\"", 2)
    if sandbox not in (None, "docker", "local"):
        raise fail(f"unknown --sandbox {sandbox!r}: use docker or local", 2)
    checkpoints = [c.strip() for c in approve.split(",") if c.strip()]
    if any(c not in ("ideas", "paper") for c in checkpoints):
        raise fail(f"unknown --approve {approve!r}: use ideas, paper or ideas,paper", 2)

    def body() -> None:
        from agents.config import load_config
        from agents.literature.registry import resolve_name
        from agents.run_folder import RunFolder
        from agents.runner import make_sandbox
        from agents.settings import RunSettings
        from agents.templates import load_template

        load_template(template)  # bad input fails here, before anything is created or spent
        cfg = load_config(config, model=model, api_base=api_base, sandbox=sandbox,
                          literature=literature, parallel=parallel, max_cost=max_cost,
                          ideation_model=ideation_model, novelty_model=novelty_model,
                          coder_model=coder_model, writer_model=writer_model,
                          reviewer_model=reviewer_model)
        resolve_name(cfg.literature)
        offline = cfg.resolved_model()[1]
        settings = RunSettings(
            topic=topic.strip(), template=template, model=cfg.default_settings(),
            role_models=cfg.role_settings(), num_ideas=num_ideas, max_runs=max_runs,
            parallel=cfg.parallel, num_reviewers=reviewers, revise=revise,
            literature=cfg.literature, include_not_novel=include_not_novel, sandbox=cfg.sandbox,
            max_cost=cfg.max_cost, approve=checkpoints,  # type: ignore[arg-type]
        )
        if dry_run:
            _print_estimate(settings)
            return
        if offline:
            out.info("No model configured and no API key found: using the built-in offline "
                     "model (mock). Pass --model to use a real one.", event="offline_model")
        if settings.sandbox == "local":
            err.print("[yellow]warning:[/yellow] --sandbox local runs model-written code directly "
                      "on this machine, with no isolation.", soft_wrap=True)
        preflight(settings)  # before anything is spent: the model answers, the sandbox works
        box = make_sandbox(settings.sandbox)
        run_folder = RunFolder.create(runs_dir, topic)
        out.info(f"Run folder: {run_folder.path}", event="start", run_dir=str(run_folder.path))
        guarded(lambda: _drive(out, run_folder, settings, box, resume=False, answer=None),
                run_dir=run_folder.path)

    guarded(body)


def _print_estimate(settings: Any) -> None:
    from agents.estimate import estimate
    from agents.templates import load_template

    est = estimate(settings, settings.max_runs or load_template(settings.template).max_runs)
    table = Table("stage", "estimated cost (USD)")
    for stage, cost in est.by_stage.items():
        table.add_row(stage, f"{cost:.4f}")
    table.add_row("[bold]total[/bold]", f"[bold]{est.total:.4f}[/bold]")
    console.print(table)
    console.print(f"About {est.calls} model calls, {est.prompt_tokens} prompt and "
                  f"{est.completion_tokens} completion tokens (typical sizes; on the high side).",
                  highlight=False)
    if est.unpriced_models:
        console.print(f"No price known for {', '.join(est.unpriced_models)}: counted as free "
                      f"(local models cost nothing).", highlight=False)


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="Run folder name or path.")],
    max_cost: Annotated[float | None, typer.Option(min=0.0001, help="A new budget in USD "
                        "(e.g. higher, after a budget stop).")] = None,
    answer: Annotated[bool | None, typer.Option("--yes/--no", help="Answer a pending "
                      "approval (--approve): continue, or skip what was to be approved.")] = None,
    runs_dir: Annotated[Path, typer.Option()] = Path("runs"),
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a run after a crash, Ctrl-C, a budget stop or an approval pause."""
    out = Output(quiet, as_json)

    def body() -> None:
        from agents.runner import make_sandbox
        from agents.settings import RunSettings

        run_folder = _find_run(run_id, runs_dir)
        record = run_folder.read_json("run.json", {}) or {}
        if "run_settings" not in record:
            raise ConfigError(f"{run_folder.path} has no run settings in run.json: cannot resume")
        settings = RunSettings.model_validate(record["run_settings"])
        if max_cost is not None:
            settings = settings.model_copy(update={"max_cost": max_cost})
        preflight(settings)
        box = make_sandbox(settings.sandbox)
        out.info(f"Resuming {run_folder.id}", event="resume", run_dir=str(run_folder.path))
        guarded(lambda: _drive(out, run_folder, settings, box, resume=True, answer=answer),
                run_dir=run_folder.path)

    guarded(body)


def _find_run(run_id: str, runs_dir: Path) -> Any:
    from agents.run_folder import RunFolder

    for candidate in (Path(run_id), runs_dir / run_id):
        if (candidate / "run.json").is_file():
            return RunFolder(candidate.resolve())
    matches = sorted(runs_dir.glob(f"{run_id}*")) if runs_dir.is_dir() else []
    if len(matches) == 1 and (matches[0] / "run.json").is_file():
        return RunFolder(matches[0].resolve())
    raise ConfigError(f"no run {run_id!r} in {runs_dir} (see `aisci list`)")


@app.command("list")
def list_runs(runs_dir: Annotated[Path, typer.Option()] = Path("runs")) -> None:
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
def show(run_id: Annotated[str, typer.Argument()],
         runs_dir: Annotated[Path, typer.Option()] = Path("runs")) -> None:
    """Show one run: ideas, runs, papers, reviews, cost."""
    guarded(lambda: _show(_find_run(run_id, runs_dir)))


def _show(run_folder: Any) -> None:
    record = run_folder.read_json("run.json", {}) or {}
    console.print(f"[bold]{run_folder.id}[/bold]  {record.get('status', '?')}  "
                  f"template={record.get('template')}  topic={record.get('topic')!r}")
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
    cost = run_folder.read_json("cost.json", {}) or {}
    total = cost.get("total", {})
    console.print(f"cost: ${total.get('cost_usd', 0):.4f}, {total.get('calls', 0)} calls, "
                  f"{total.get('prompt_tokens', 0)} + {total.get('completion_tokens', 0)} tokens")


@app.command()
def doctor(
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    sandbox: Annotated[str | None, typer.Option(help="docker or local.")] = None,
    config: ConfigOption = None,
) -> None:
    """Check everything a run needs (model, Docker, image, TeX) and say how to fix what is missing."""

    def body() -> None:
        from agents.config import load_config
        from agents.doctor import blocking_failures, run_checks

        cfg = load_config(config, model=model, api_base=api_base, sandbox=sandbox)
        checks = run_checks(cfg.role_settings(), cfg.sandbox)
        table = Table("check", "ok", "detail", "fix")
        for c in checks:
            table.add_row(c.name, "[green]yes[/green]" if c.ok else "[red]no[/red]", c.detail,
                          "" if c.ok else c.fix)
        console.print(table)
        if blocking_failures(checks):
            raise typer.Exit(1)

    guarded(body)


@app.command("review")
def review_pdf(
    paper: Annotated[Path, typer.Argument(help="Any paper as a PDF.")],
    model: Annotated[str | None, typer.Option(help="litellm model name, or 'mock'.")] = None,
    api_base: Annotated[str | None, typer.Option()] = None,
    reviewers: Annotated[int, typer.Option(min=1, max=10)] = 3,
) -> None:
    """Review any PDF: writes <name>.review.json and <name>.review.md beside it."""

    def body() -> None:
        from agents.latex import pdf_pages_png
        from agents.llm.client import LLMClient
        from agents.reviewer import paper_text, review_text, reviews_markdown
        from agents.run_folder import atomic_write_json, atomic_write_text

        if not paper.is_file():
            raise ConfigError(f"no such file: {paper}")
        text = paper_text(paper)
        if len(text.split()) < 50:
            raise ConfigError(f"could not read enough text from {paper} (is it a scanned PDF? "
                              f"is poppler-utils installed?)")
        from agents.config import load_config

        cfg = load_config(None, model=model, api_base=api_base)
        if cfg.resolved_model()[1]:
            console.print("No model configured and no API key found: using the built-in offline "
                          "model (mock).", highlight=False)
        llm = LLMClient(cfg.role_settings(), default=cfg.default_settings())
        with tempfile.TemporaryDirectory(prefix="aisci-pages-") as pages:
            figures = pdf_pages_png(paper, Path(pages)) if llm.accepts_images("reviewer") else []
            outcome = asyncio.run(review_text(llm, text, num_reviewers=reviewers,
                                              idea_name=paper.stem, version=1, figures=figures))
        stem = paper.with_suffix("")
        atomic_write_json(Path(f"{stem}.review.json"), outcome)
        atomic_write_text(Path(f"{stem}.review.md"), reviews_markdown(outcome))
        console.print(f"{outcome.decision} (mean overall {outcome.mean_overall}); wrote "
                      f"{stem}.review.json and {stem}.review.md", highlight=False)

    guarded(body)


@template_app.command("check")
def template_check(path: Annotated[Path, typer.Argument(help="Template folder.")]) -> None:
    """Is this folder a valid experiment template? Lists every problem."""
    from agents.templates import check_template

    problems = check_template(path)
    if problems:
        for p in problems:
            err.print(f"[red]✗[/red] {p}", highlight=False)
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {path} is a valid template", highlight=False)


def _mount_subcommands() -> None:
    from sandbox.cli import app as sandbox_app

    app.add_typer(sandbox_app, name="sandbox", help="Build, check and clean up the Docker sandbox.")
    from agents.literature.cli import app as lit_app


    app.add_typer(lit_app, name="lit", help="The literature library: search it, import your own.")


_mount_subcommands()


def _terminate(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: no container is left behind


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
