"""What ``aisci run`` and ``aisci resume`` share: the checks before anything is spent (where
each provider key would be sent, the doctor's preflight), and driving the graph to its end (an
approval pause asked here or left for later, the finished run logged to a tracker).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import typer

from agents.cli.common import console
from agents.cli.output import Output
from agents.config import ModelSettings, RunSettings, Tracker
from agents.domain import EXIT_CODES, ExitCode, Tracked, TrackerError
from agents.errors import AisciError, ConfigError


def preflight(settings: RunSettings, out: Output,
              confirmed: Callable[[str | None], bool]) -> RunSettings:
    """The doctor's checks before anything is spent (``check_before_run``); the models'
    structured-answer modes are resolved here once and kept in the run's settings.
    ``confirmed``: whether the user named an ``api_base`` (a key goes only there)."""
    from agents.preflight import blocking_failures, check_before_run

    report = check_before_run(settings.models_by_role(), sandbox=settings.sandbox.value,
                              confirmed=confirmed, executor=settings.executor,
                              ray_address=settings.ray_address,
                              tex_on_host=settings.tex_on_host, paper=not settings.tex_on_host,
                              notify=lambda line: out.info(line, event="model_loading"))
    checks = report.checks
    failures = blocking_failures(checks)
    if failures:
        first = failures[0]
        kind = ConfigError if _input_problem(first.name, settings) else AisciError
        raise kind(f"{first.name}: {first.detail}. Fix: {first.fix}")
    for check in checks:
        if not check.ok:
            out.warn(f"{check.name}: {check.detail}. Fix: {check.fix}")
    models = report.models
    key = (settings.model.model, settings.model.api_base)
    default = next((m for m in models.values() if (m.model, m.api_base) == key), settings.model)
    return settings.model_copy(update={"model": default, "role_models": models})


def _input_problem(check_name: str, settings: RunSettings) -> bool:
    """Whether a failed model check is the user's input (exit 2), not the machine: a model name
    no provider is known for, or a provider key that is not set (both known without a call)."""
    from agents.preflight import missing_keys

    for model in settings.models_by_role().values():
        if not check_name.startswith(f"model {model.model}"):
            continue
        if model.api_base is None and missing_keys(model):
            return True
        try:
            from agents.llm import litellm

            litellm().get_llm_provider(model.model, api_base=model.api_base)
        except Exception:  # litellm knows no provider for this name
            return True
    return False


def drive(out: Output, run_folder: Any, settings: RunSettings, box: Any, *, resume: bool,
          answer: bool | None, retry_failed: bool = False) -> int:
    """Run until the graph ends; at an approval checkpoint ask here, or say how to answer later."""
    from agents.workflow import execute

    while True:
        with out.live(run_folder):
            end = asyncio.run(execute(run_folder, settings, box, resume=resume,
                                      answer=answer, retry_failed=retry_failed,
                                      progress=out.node))
        run_folder.listeners.clear()
        retry_failed = False
        pending = end.pending
        if pending is None:
            out.done(run_folder, end)
            if settings.tracker == Tracker.mlflow:
                _track(out, run_folder, settings.tracking_uri)
            return int(EXIT_CODES.get(end.status, ExitCode.failed))
        checkpoint = pending.get("checkpoint", "?")
        if out.mode == "rich" and sys.stdin.isatty():
            console.print_json(data=pending)
            answer = typer.confirm(f"Approve the {checkpoint}?", default=True)
            resume = True
            continue
        from agents.run import resume_flags

        flags = resume_flags(settings)
        out.info(f"Waiting for your approval of the {checkpoint} (see {run_folder.path}). "
                 f"Continue with: aisci resume {run_folder.id} --yes{' ' + flags if flags else ''}"
                 f"   (or --no to skip)",
                 event="awaiting_approval", checkpoint=checkpoint, run_dir=str(run_folder.path))
        if out.mode == "quiet":
            print(run_folder.path, flush=True)
        return int(ExitCode.ok)


def _track(out: Output, run_folder: Any, uri: str | None) -> None:
    """Log the finished run to MLflow; a tracker that fails costs a warning, never the run."""
    from agents.config import redact_url
    from agents.report import default_tracking_uri, log_run

    uri = uri or default_tracking_uri(run_folder.path.parent)
    try:
        mlflow_id = log_run(run_folder.path, uri)
    except Exception as exc:
        run_folder.event(TrackerError(error=f"{type(exc).__name__}: {str(exc)[:300]}"))
        out.warn(f"MLflow: the run was not logged ({type(exc).__name__}: {str(exc)[:200]}); "
                 f"the run folder has everything. Log it later: aisci track {run_folder.id}")
        return
    run_folder.event(Tracked(tracker="mlflow", mlflow_run_id=mlflow_id))
    out.info(f"Logged to MLflow at {redact_url(uri)}: run {mlflow_id}, one child run per idea.",
             event="tracked", tracker="mlflow", mlflow_run_id=mlflow_id)



def key_routing(cfg: Any, roles: dict[str, ModelSettings]) -> None:
    from agents.preflight import check_key_routing

    for settings in roles.values():
        problem = check_key_routing(settings, confirmed=cfg.api_base_confirmed(settings.api_base))
        if problem is not None:
            raise ConfigError(f"{problem.name}: {problem.detail}. Fix: {problem.fix}")
