"""``aisci doctor``: every check a run needs (model, Docker, image, TeX; with ``--executor ray``
the cluster and each of its nodes), each with its fix."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from agents.cli.common import ApiBaseOption, ConfigOption, ModelOption, console, guarded
from agents.config import Executor, SandboxBackend

app = typer.Typer()


@app.command()
def doctor(
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    sandbox: Annotated[SandboxBackend | None, typer.Option(help="The sandbox to check.")] = None,
    executor: Annotated[Executor | None, typer.Option(help="Where sandbox jobs run: local or "
                        "ray (then the cluster and each of its nodes are checked too).")] = None,
    ray_address: Annotated[str | None, typer.Option(help="The Ray cluster to check (host:port; "
                           "default: RAY_ADDRESS or a cluster on this machine).")] = None,
    config: ConfigOption = None,
) -> None:
    """Check everything a run needs and say how to fix what is missing."""

    def body() -> None:
        from agents.config import load_config
        from agents.llm import with_server_model
        from agents.preflight import blocking_failures, check_before_run, limit_caps_check

        cfg = load_config(config, model=model, api_base=api_base, sandbox=sandbox,
                          executor=executor, ray_address=ray_address)
        cfg, found = with_server_model(cfg)  # --api-base and no --model: the server's model
        if found:
            console.print(f"Checking {found}, the model the server at --api-base serves.",
                          highlight=False)
        checks = check_before_run(cfg.role_settings(), sandbox=cfg.sandbox.value,
                                  confirmed=cfg.api_base_confirmed, executor=cfg.executor,
                                  ray_address=cfg.ray_address, notify=console.print).checks
        checks.append(limit_caps_check(cfg.max_limits))
        table = Table("check", "ok", "detail", "fix")
        for c in checks:
            table.add_row(c.name, "[green]yes[/green]" if c.ok else "[red]no[/red]", c.detail,
                          "" if c.ok else c.fix)
        console.print(table)
        if blocking_failures(checks):
            raise typer.Exit(1)

    guarded(body)
