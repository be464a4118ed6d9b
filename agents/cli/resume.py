"""``aisci resume``: continue a run after a crash, Ctrl-C, a budget stop or an approval pause.

It ends with the exit codes of ``aisci run`` (``agents.cli.run``). run.json is data: what
could widen what aisci does is used only when it is stated again here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from agents.cli.common import (
    EXECUTION_PANEL,
    ApiBaseOption,
    JsonOption,
    ModelOption,
    QuietOption,
    RoleModelOption,
    RunsDirOption,
    guarded,
)
from agents.cli.output import Output
from agents.cli.run_steps import drive, key_routing, preflight
from agents.cli.run_template import HigherOption, LowerOption, MetricOption, direction
from agents.config import Executor, SandboxBackend, TexBackend

app = typer.Typer()


@app.command()
def resume(
    run_id: Annotated[str, typer.Argument(help="Run folder name or path.")],
    answer: Annotated[bool | None, typer.Option(
        "--yes/--no", help="Answer a pending approval (--approve): continue, or skip what was "
                           "to be approved.", rich_help_panel=EXECUTION_PANEL)] = None,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Do the steps that failed again (what finished is kept); with "
        "--model or a role model, on that model.", rich_help_panel=EXECUTION_PANEL)] = False,
    max_cost: Annotated[float | None, typer.Option(
        min=0.0001, help="A new budget in USD (e.g. higher, after a budget stop).",
        rich_help_panel=EXECUTION_PANEL)] = None,
    checkpointer: Annotated[str | None, typer.Option(
        help="The run's PostgreSQL checkpoint database, when run.json cannot hold it (a URL "
             "with a password).", rich_help_panel=EXECUTION_PANEL)] = None,
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    ideation_model: RoleModelOption = None,
    novelty_model: RoleModelOption = None,
    coder_model: RoleModelOption = None,
    writer_model: RoleModelOption = None,
    reviewer_model: RoleModelOption = None,
    sandbox: Annotated[SandboxBackend | None, typer.Option(help="docker (default) or local "
                       "(UNSAFE; never taken from run.json: state it again).")] = None,
    tex: Annotated[TexBackend | None, typer.Option(help="Where papers compile (host: never "
                   "taken from run.json).")] = None,
    executor: Annotated[Executor | None, typer.Option(help="local or ray (never taken from "
                        "run.json).")] = None,
    ray_address: Annotated[str | None, typer.Option(help="The Ray cluster, with --executor "
                           "ray.")] = None,
    template: Annotated[str | None, typer.Option(help="The template folder of a run that "
                        "used one outside aisci's templates/ (never taken from run.json).")] = None,
    metric: MetricOption = None,
    lower_is_better: LowerOption = False,
    higher_is_better: HigherOption = False,
    runs_dir: RunsDirOption = None,
    config: Annotated[Path | None, typer.Option(help="A config file (TOML) whose settings "
                      "you state for this resume (resume reads no file you do not name).")] = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a run after a crash, Ctrl-C, a budget stop or an approval pause.

    run.json is data: what could widen what aisci does here (a local sandbox, a model or
    server, a cluster, a database, a template folder) is used only when you state it again."""
    out = Output(quiet, as_json)

    def body() -> int:
        lower_better = direction(lower_is_better, higher_is_better)
        from agents.cli.inspect import find_run
        from agents.config import load_config
        from agents.run import read_run_record, rederive, unsafe_warnings
        from agents.workflow import make_sandbox

        run_folder = find_run(run_id, runs_dir)
        run_folder.check_no_links()
        record = read_run_record(run_folder)
        cfg = load_config(config, implicit_file=False, model=model, api_base=api_base,
                          sandbox=sandbox, tex=tex, executor=executor, ray_address=ray_address,
                          checkpointer=checkpointer, ideation_model=ideation_model,
                          novelty_model=novelty_model, coder_model=coder_model,
                          writer_model=writer_model, reviewer_model=reviewer_model)
        if template is not None:
            from agents.templates import load_template

            load_template(template)
        settings = rederive(record, run_folder, cfg, template=template, max_cost=max_cost,
                            metric=metric, lower_is_better=lower_better)
        key_routing(cfg, settings.models_by_role())
        from agents.workflow import verify_checkpoints

        asyncio.run(verify_checkpoints(run_folder, settings.checkpointer))
        for warning in unsafe_warnings(settings):
            out.warn(warning)
        settings = preflight(settings, out, cfg.api_base_confirmed)
        box = make_sandbox(settings.sandbox.value, executor=settings.executor.value,
                           ray_address=settings.ray_address)
        out.info(f"Resuming {run_folder.id}", event="resume", run_dir=str(run_folder.path))
        return guarded(lambda: drive(out, run_folder, settings, box, resume=True, answer=answer,
                                     retry_failed=retry_failed), run_dir=run_folder.path)

    raise typer.Exit(guarded(body))
