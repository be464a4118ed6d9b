"""``aisci doctor``: every check a run needs (model, Docker, image, TeX; with ``--executor ray``
the cluster and each of its nodes), each with its fix."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from agents.cli.common import ApiBaseOption, ConfigOption, ModelOption, console, guarded
from agents.config import Executor, SandboxBackend

app = typer.Typer()


def _exposure_checks(cfg: Any) -> list[Any]:
    from agents.preflight import check_ray_exposure, limit_caps_check

    ray = check_ray_exposure(cfg.ray_address) if cfg.executor == Executor.ray else None
    return [*([ray] if ray else []), limit_caps_check(cfg.max_limits)]


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
        from agents.preflight import blocking_failures, check_key_routing, run_checks

        cfg = load_config(config, model=model, api_base=api_base, sandbox=sandbox,
                          executor=executor, ray_address=ray_address)
        cfg, found = with_server_model(cfg)  # --api-base and no --model: the server's model
        if found:
            console.print(f"Checking {found}, the model the server at --api-base serves.",
                          highlight=False)
        roles = cfg.role_settings()
        routing = [c for s in roles.values()
                   if (c := check_key_routing(s, confirmed=cfg.api_base_confirmed(s.api_base)))]
        checks = routing + (run_checks(roles, cfg.sandbox.value, notify=console.print).checks
                            if not routing else [])
        if cfg.executor == Executor.ray:
            from agents.preflight import check_cluster

            checks += check_cluster(cfg.ray_address)
        checks += _exposure_checks(cfg)
        table = Table("check", "ok", "detail", "fix")
        for c in checks:
            table.add_row(c.name, "[green]yes[/green]" if c.ok else "[red]no[/red]", c.detail,
                          "" if c.ok else c.fix)
        console.print(table)
        if blocking_failures(checks):
            raise typer.Exit(1)

    guarded(body)
