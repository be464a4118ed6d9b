"""``aisci run``: start a research run (``aisci resume`` continues one: ``agents.cli.resume``).

Input given badly stops at once with one line and exit code 2, before a run folder is created
or anything is spent. A run ends with exit code 0 when every selected idea reached a reviewed
paper, 4 when some did and something failed on the way (the summary names it), 1 when
nothing did, 3 at a budget stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agents.cli.common import (
    EXECUTION_PANEL,
    EXPERIMENTS_PANEL,
    MODEL_PANEL,
    OUTPUT_PANEL,
    PAPER_PANEL,
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
from agents.cli.run_steps import drive, key_routing, preflight
from agents.cli.run_template import (
    BuildImageOption,
    HigherOption,
    LowerOption,
    MetricOption,
    TimeoutOption,
    before_run,
    direction,
)
from agents.config.settings import (
    Checkpoint,
    Executor,
    LiteratureChoice,
    RunSettings,
    SandboxBackend,
    SearchMode,
    StructuredMode,
    TexBackend,
    Tracker,
)
from agents.domain.status import ExitCode
from agents.errors import AisciError, ConfigError

app = typer.Typer()


def grader_warning(template: str) -> str:
    """A template without a grader is run, but never quietly."""
    from agents.experiment.grading import NO_GRADER_WARNING
    from agents.templates.template import load_template

    try:
        spec = load_template(template).grader
    except AisciError:
        return ""  # the run's own checks say what is wrong with it
    return "" if spec is not None and spec.declared else f"template {template}: {NO_GRADER_WARNING}"


def print_estimate(settings: RunSettings) -> None:
    from agents.run.estimate import estimate
    from agents.templates.template import load_template

    max_runs = settings.max_runs or (2 if settings.from_scratch  # a generated template's
                                     else load_template(settings.template).max_runs)
    est = estimate(settings, max_runs)
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
def run(
    topic: Annotated[str, typer.Argument(help="The research topic, in a few words.")],
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    ideation_model: RoleModelOption = None,
    novelty_model: RoleModelOption = None,
    coder_model: RoleModelOption = None,
    writer_model: RoleModelOption = None,
    reviewer_model: RoleModelOption = None,
    structured: Annotated[StructuredMode | None, typer.Option(
        help="How JSON answers are asked for (default auto: found out from the server at "
             "preflight).", rich_help_panel=MODEL_PANEL)] = None,
    max_tokens: Annotated[int | None, typer.Option(
        min=16, help="Longest model reply in tokens (default 4096; a cut-off reply is asked "
                     "again with more).", rich_help_panel=MODEL_PANEL)] = None,
    template: Annotated[str, typer.Option(
        help="Template name (see templates/) or folder; none: the same as --from-scratch.",
        rich_help_panel=EXPERIMENTS_PANEL)] = "tiny_mlp",
    from_scratch: Annotated[bool, typer.Option(
        "--from-scratch", help="No template: the coder writes the experiment from the topic "
        "first (data generated in code or bundled in scikit-learn); it is kept in the run's "
        "template/.", rich_help_panel=EXPERIMENTS_PANEL)] = False,
    num_ideas: Annotated[int, typer.Option(min=1, max=20, help="Ideas to propose and run.",
                                           rich_help_panel=EXPERIMENTS_PANEL)] = 2,
    reflections: Annotated[int, typer.Option(min=0, max=5, help="Refinement rounds per idea.",
                                             rich_help_panel=EXPERIMENTS_PANEL)] = 1,
    novelty_rounds: Annotated[int, typer.Option(
        min=1, max=10, help="Literature search rounds per idea.",
        rich_help_panel=EXPERIMENTS_PANEL)] = 3,
    literature: Annotated[LiteratureChoice | None, typer.Option(
        help="Where novelty is searched (default auto: the offline library unless "
             "AISCI_LITERATURE says otherwise).", rich_help_panel=EXPERIMENTS_PANEL)] = None,
    include_not_novel: Annotated[bool, typer.Option(
        "--include-not-novel", help="Also run ideas judged not novel.",
        rich_help_panel=EXPERIMENTS_PANEL)] = False,
    max_runs: Annotated[int | None, typer.Option(
        min=1, max=20, help="Runs per idea beyond the baseline (default: the template's).",
        rich_help_panel=EXPERIMENTS_PANEL)] = None,
    max_attempts: Annotated[int, typer.Option(
        min=1, max=10, help="Tries per run, fixes included.",
        rich_help_panel=EXPERIMENTS_PANEL)] = 3,
    search: Annotated[SearchMode | None, typer.Option(
        help="How an idea's variants are explored: linear (plan, then one run after another) "
             "or tree (drafts, debugging, improving the best, ablations; \\[tree] in the "
             "config file sets its budget).", rich_help_panel=EXPERIMENTS_PANEL)] = None,
    max_nodes: Annotated[int | None, typer.Option(
        min=1, max=50, help="--search tree: variants per idea, ablations included (default 8).",
        rich_help_panel=EXPERIMENTS_PANEL)] = None,
    seeds: Annotated[int | None, typer.Option(
        min=1, max=20, help="Seeds per variant, the baseline included (default 3; 1 when the "
                            "template cannot be seeded).", rich_help_panel=EXPERIMENTS_PANEL)] = None,
    from_draft: Annotated[Path | None, typer.Option(
        help="Your draft (.tex or .pdf): the writer revises and extends its sections with the "
             "new results instead of writing them anew. It is copied into the run folder.",
        rich_help_panel=PAPER_PANEL)] = None,
    refine_rounds: Annotated[int, typer.Option(
        min=0, max=3, help="Rounds in which the writer revises a section that fails the number "
                           "and claim checks (what still fails is removed).",
        rich_help_panel=PAPER_PANEL)] = 1,
    reviewers: Annotated[int, typer.Option(min=1, max=10, help="Reviewers per paper.",
                                           rich_help_panel=PAPER_PANEL)] = 3,
    review_reflections: Annotated[int, typer.Option(
        min=0, max=3, help="Rounds in which each reviewer checks its review.",
        rich_help_panel=PAPER_PANEL)] = 1,
    revise: Annotated[int, typer.Option(min=0, max=5, help="Revise-and-review rounds.",
                                        rich_help_panel=PAPER_PANEL)] = 0,
    parallel: Annotated[int | None, typer.Option(
        min=1, max=64, help="Ideas and sandbox jobs run at once (default 2).",
        rich_help_panel=EXECUTION_PANEL)] = None,
    max_cost: Annotated[float | None, typer.Option(
        min=0.0001, help="Budget in USD: the run stops cleanly at a stage boundary before it "
                         "would go over.", rich_help_panel=EXECUTION_PANEL)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the cost estimate and exit.",
        rich_help_panel=EXECUTION_PANEL)] = False,
    approve: Annotated[list[Checkpoint] | None, typer.Option(
        help="Pause for your approval at this checkpoint (repeatable).",
        rich_help_panel=EXECUTION_PANEL)] = None,
    sandbox: Annotated[SandboxBackend | None, typer.Option(
        help="docker (default, hardened) or local (UNSAFE: runs model-written code on this "
             "machine).", rich_help_panel=EXECUTION_PANEL)] = None,
    executor: Annotated[Executor | None, typer.Option(
        help="Where sandbox jobs run: local (this machine's Docker) or ray (a Ray cluster's "
             "nodes, each with Docker).", rich_help_panel=EXECUTION_PANEL)] = None,
    ray_address: Annotated[str | None, typer.Option(
        help="The Ray cluster to use with --executor ray (host:port; default: RAY_ADDRESS or a "
             "cluster on this machine).", rich_help_panel=EXECUTION_PANEL)] = None,
    tex: Annotated[TexBackend | None, typer.Option(
        help="Where papers compile: sandbox (a container), host (this machine's TeX, hardened "
             "but unisolated), or auto (the sandbox's choice).",
        rich_help_panel=EXECUTION_PANEL)] = None,
    checkpointer: Annotated[str | None, typer.Option(
        help="Keep the run's checkpoints in this PostgreSQL database (postgresql://user@host/db) "
             "instead of the run folder's SQLite file: any machine can then resume it.",
        rich_help_panel=EXECUTION_PANEL)] = None,
    idea_rounds: Annotated[int, typer.Option(
        min=1, max=10, help="Rounds of ideation: when no idea is judged novel, propose new ones "
                            "that avoid the closest papers, up to this many rounds in all.",
        rich_help_panel=EXPERIMENTS_PANEL)] = 3,
    metric: MetricOption = None,
    lower_is_better: LowerOption = False,
    higher_is_better: HigherOption = False,
    timeout: TimeoutOption = None,
    build_image: BuildImageOption = False,
    config: ConfigOption = None,
    runs_dir: RunsDirOption = None,
    tracker: Annotated[Tracker | None, typer.Option(
        help="Also log the finished run to an experiment tracker: mlflow (the aisci\\[mlflow] "
             "extra; default none).", rich_help_panel=OUTPUT_PANEL)] = None,
    tracking_uri: Annotated[str | None, typer.Option(
        help="The MLflow tracking server (http://host:5000) or store; default: "
             "mlflow/mlflow.db in the runs folder.", rich_help_panel=OUTPUT_PANEL)] = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
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
        from agents.config.loading import load_config
        from agents.config.runs_dir import resolve_runs_dir
        from agents.literature.registry import resolve_name
        from agents.llm.server_models import with_server_model
        from agents.paper.draft import check_draft, copy_draft
        from agents.run.folder import RunFolder
        from agents.templates.template import load_template
        from agents.workflow.runner import make_sandbox

        scratch = from_scratch or template.strip().lower() == "none"
        if scratch and template not in ("tiny_mlp", "none"):
            raise ConfigError(f"--from-scratch writes its own template: drop --template {template}")
        if not scratch:
            load_template(template)  # bad input fails here, before anything is created or spent
        draft = check_draft(from_draft) if from_draft is not None else None
        cfg = load_config(config, model=model, api_base=api_base, sandbox=sandbox,
                          literature=literature, parallel=parallel, max_cost=max_cost,
                          seeds=seeds, structured=structured, max_tokens=max_tokens,
                          checkpointer=checkpointer, tex=tex, search=search,
                          executor=executor, ray_address=ray_address,
                          ideation_model=ideation_model, novelty_model=novelty_model,
                          coder_model=coder_model, writer_model=writer_model,
                          reviewer_model=reviewer_model, metric=metric,
                          lower_is_better=lower_better, job_timeout_s=timeout,
                          tracker=tracker, tracking_uri=tracking_uri)
        cfg, found = with_server_model(cfg)  # --api-base and no --model: the server's model
        if cfg.tracker == Tracker.mlflow:
            from agents.run.tracking import require_mlflow

            require_mlflow()
        roles = cfg.role_settings()
        key_routing(cfg, roles)
        resolve_name(cfg.literature.value)
        offline = cfg.resolved_model()[1]
        settings = RunSettings(
            topic=topic.strip(), template="none" if scratch else template,
            from_scratch=scratch, model=cfg.default_settings(),
            role_models=roles, num_ideas=num_ideas, reflections=reflections,
            novelty_rounds=novelty_rounds, idea_rounds=idea_rounds, max_runs=max_runs,
            max_attempts=max_attempts,
            seeds=cfg.seeds, parallel=cfg.parallel, num_reviewers=reviewers,
            review_reflections=review_reflections, refine_rounds=refine_rounds, revise=revise,
            literature=cfg.literature,
            include_not_novel=include_not_novel, sandbox=cfg.sandbox, tex=cfg.tex,
            executor=cfg.executor, ray_address=cfg.ray_address,
            search=cfg.search, tree=cfg.tree if max_nodes is None else cfg.tree.model_copy(
                update={"max_nodes": max_nodes}),
            max_cost=cfg.max_cost,
            approve=tuple(dict.fromkeys(approve or [])), checkpointer=cfg.checkpointer,
            from_draft=draft, vision=cfg.vision, figure_fixes=cfg.figure_fixes,
            metric=cfg.metric, lower_is_better=cfg.lower_is_better,
            job_timeout_s=cfg.job_timeout_s, build_image=build_image,
            tracker=cfg.tracker, tracking_uri=cfg.tracking_uri)
        if dry_run:
            print_estimate(settings)
            return int(ExitCode.ok)
        if offline:
            out.info("No model configured and no API key found: using the built-in offline "
                     "model (mock). Pass --model to use a real one.", event="offline_model")
        if found:
            out.info(f"Using {found}, the model the server at --api-base serves.",
                     event="server_model", model=found)
        from agents.run.resume_guard import unsafe_warnings

        for warning in unsafe_warnings(settings):
            out.warn(warning)
        if not settings.from_scratch and (warning := grader_warning(settings.template)):
            out.warn(warning)
        before_run(settings, out)  # the template's image, metric and compute, said first
        settings = preflight(settings, out)  # before anything is spent
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

