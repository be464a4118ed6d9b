"""``aisci track RUN``: log a finished run to MLflow afterwards (a server that was down, a run
made without ``--tracker``); the same record as ``--tracker mlflow`` (``agents.report.tracking``)."""

from __future__ import annotations

from typing import Annotated

import typer

from agents.cli.common import ConfigOption, RunsDirOption, console, guarded
from agents.domain import Tracked

app = typer.Typer()


@app.command()
def track(
    run_id: Annotated[str, typer.Argument(help="Run id (or short id, prefix, or path).")],
    tracking_uri: Annotated[str | None, typer.Option(
        help="The MLflow tracking server (http://host:5000) or store; default: tracking_uri "
             "in the config, else mlflow/mlflow.db in the runs folder.")] = None,
    runs_dir: RunsDirOption = None, config: ConfigOption = None,
) -> None:
    """Log a run to MLflow: one MLflow run, a child run per idea (needs aisci\\[mlflow])."""

    def body() -> None:
        from agents.cli.inspect import find_run
        from agents.config import load_config, redact_url
        from agents.report import default_tracking_uri, log_run, require_mlflow

        require_mlflow()
        run = find_run(run_id, runs_dir, config)
        uri = (tracking_uri or load_config(config).tracking_uri
               or default_tracking_uri(run.path.parent))
        mlflow_id = log_run(run.path, uri)
        run.event(Tracked(tracker="mlflow", mlflow_run_id=mlflow_id))
        console.print(f"Logged {run.id} to MLflow at {redact_url(uri)}: run {mlflow_id}.",
                      highlight=False, markup=False, soft_wrap=True)

    guarded(body)
