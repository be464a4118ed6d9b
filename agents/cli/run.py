"""``aisci run``: start a research run (``aisci resume`` continues one: ``agents.cli.resume``).

Input given badly stops at once with one line and exit code 2, before a run folder is created
or anything is spent. A run ends with exit code 0 when every selected idea reached a reviewed
paper, 4 when some did and something failed on the way (the summary names it), 1 when
nothing did, 3 at a budget stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agents.cli.common import (
    EXECUTION_PANEL,
    ApiBaseOption,
    ConfigOption,
    JsonOption,
    ModelOption,
    QuietOption,
    RoleModelOption,
    RunsDirOption,
    console,
    fail,
    guarded,
)
from agents.cli.output import Output
from agents.cli.run_options import split_settings, with_setting_options
from agents.cli.run_steps import drive, key_routing, preflight
from agents.cli.run_template import HigherOption, LowerOption, MetricOption, before_run, direction
from agents.config import FileSettings, RunSettings, Tracker
from agents.domain import ExitCode
from agents.errors import AisciError, ConfigError

app = typer.Typer()


def grader_warning(template: str) -> str:
    """A template without a grader is run, but never quietly."""
    from agents.experiment import NO_GRADER_WARNING
    from agents.templates import load_template

    try:
        spec = load_template(template).grader
    except AisciError:
        return ""  # the run's own checks say what is wrong with it
    return "" if spec is not None and spec.declared else f"template {template}: {NO_GRADER_WARNING}"


def print_estimate(settings: RunSettings) -> None:
    from agents.cost import run_estimate
    from agents.templates import load_template

    max_runs = settings.max_runs or (2 if settings.from_scratch  # a generated template's
                                     else load_template(settings.template).max_runs)
    est = run_estimate(settings, max_runs)
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
@with_setting_options
def run(
    topic: Annotated[str, typer.Argument(help="The research topic, in a few words.")],
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    ideation_model: RoleModelOption = None,
    novelty_model: RoleModelOption = None,
    coder_model: RoleModelOption = None,
    writer_model: RoleModelOption = None,
    reviewer_model: RoleModelOption = None,
    metric: MetricOption = None,
    lower_is_better: LowerOption = False,
    higher_is_better: HigherOption = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the cost estimate and exit.",
        rich_help_panel=EXECUTION_PANEL)] = False,
    config: ConfigOption = None,
    runs_dir: RunsDirOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
    **chosen: Any,
) -> None:
    """Start a research run on TOPIC.

    [bold]Examples[/bold]

      aisci run "momentum in small networks"

      aisci run "..." --model gpt-4o --num-ideas 3 --max-cost 2

      aisci run "..." --model ollama_chat/qwen2.5:7b --search tree --parallel 2
    """
    out = Output(quiet, as_json)
    if not topic.strip():
        raise fail("the topic is empty: say what to research, e.g. aisci run \"momentum in small MLPs\"",
                   ExitCode.bad_input)

    def body() -> int:
        lower_better = direction(lower_is_better, higher_is_better)
        from agents.config import load_config, resolve_runs_dir
        from agents.literature import resolve_name
        from agents.llm import with_server_model
        from agents.paper import check_draft, copy_draft
        from agents.run import RunFolder
        from agents.templates import load_template
        from agents.workflow import make_sandbox

        overrides, values = split_settings(chosen)
        template: str = values["template"]
        from_draft: Path | None = values.get("from_draft")
        scratch = values.get("from_scratch", False) or template.strip().lower() == "none"
        if scratch and template not in ("tiny_mlp", "none"):
            raise ConfigError(f"--from-scratch writes its own template: drop --template {template}")
        if not scratch:
            load_template(template)  # bad input fails here, before anything is created or spent
        draft = check_draft(from_draft) if from_draft is not None else None
        cfg = load_config(config, model=model, api_base=api_base,
                          ideation_model=ideation_model, novelty_model=novelty_model,
                          coder_model=coder_model, writer_model=writer_model,
                          reviewer_model=reviewer_model, metric=metric,
                          lower_is_better=lower_better, **overrides)
        cfg, found = with_server_model(cfg)  # --api-base and no --model: the server's model
        if cfg.tracker == Tracker.mlflow:
            from agents.report import require_mlflow

            require_mlflow()
        roles = cfg.role_settings()
        key_routing(cfg, roles)
        resolve_name(cfg.literature.value)
        offline = cfg.resolved_model()[1]
        settings = RunSettings(
            **{name: getattr(cfg, name) for name in FileSettings.model_fields},
            **{**values, "topic": topic.strip(), "template": "none" if scratch else template,
               "from_scratch": scratch, "from_draft": draft},
            model=cfg.default_settings(), role_models=roles)
        if dry_run:
            print_estimate(settings)
            return int(ExitCode.ok)
        if offline:
            out.info("No model configured and no API key found: using the built-in offline "
                     "model (mock). Pass --model to use a real one.", event="offline_model")
        if found:
            out.info(f"Using {found}, the model the server at --api-base serves.",
                     event="server_model", model=found)
        from agents.run import unsafe_warnings

        for warning in unsafe_warnings(settings):
            out.warn(warning)
        if not settings.from_scratch and (warning := grader_warning(settings.template)):
            out.warn(warning)
        before_run(settings, out)  # the template's image, metric and compute, said first
        settings = preflight(settings, out, cfg.api_base_confirmed)  # before anything is spent
        box = make_sandbox(settings.sandbox.value, executor=settings.executor.value,
                           ray_address=settings.ray_address)
        run_folder = RunFolder.create(resolve_runs_dir(runs_dir, config).path, topic)
        if draft is not None:  # the run keeps its own copy: a resume needs nothing outside
            copy_draft(run_folder.path, draft)
        out.info(f"Run folder: {run_folder.path}", event="start", run_dir=str(run_folder.path))
        return guarded(lambda: drive(out, run_folder, settings, box, resume=False, answer=None),
                       run_dir=run_folder.path)

    code = guarded(body)
    raise typer.Exit(code)

