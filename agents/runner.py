"""Start or resume a run: build the context, run the checkpointed graph, keep run.json current."""

from __future__ import annotations

import inspect
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from agents import __version__
from agents.context import RunContext
from agents.cost import CostLedger
from agents.errors import BudgetExceeded
from agents.estimate import estimate
from agents.graph import build_graph
from agents.llm.client import LLMClient
from agents.report import write_report
from agents.run_folder import RunFolder
from agents.settings import RunSettings
from agents.templates import load_template
from sandbox.base import Limits, Sandbox

Progress = Callable[[str, dict[str, Any]], None]
THREAD_ID = "research"


def checkpoint_serializer() -> Any:
    """Checkpoints restore only our own domain models (an explicit allow-list, no warnings)."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from pydantic import BaseModel

    from agents import models

    allowed = [("agents.models", name) for name, obj in vars(models).items()
               if inspect.isclass(obj) and issubclass(obj, BaseModel)
               and obj.__module__ == "agents.models"]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


def stage_estimates(settings: RunSettings, template_max_runs: int) -> dict[str, float]:
    """Expected cost of one node of each stage (experiment nodes run once per idea)."""
    by_stage = estimate(settings, settings.max_runs or template_max_runs).by_stage
    return {stage: cost / (settings.num_ideas if stage == "experiment" else 1)
            for stage, cost in by_stage.items()}


def effective_parallel(requested: int, limits: Limits) -> int:
    """Ideas run at once: what was asked, within this machine's CPUs and memory."""
    by_cpu = int((os.cpu_count() or 1) // limits.cpus) or 1
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):  # not a POSIX system: trust the request
        return requested
    by_memory = int(memory_mb * 0.8 // limits.memory_mb) or 1
    return max(1, min(requested, by_cpu, by_memory))


def make_sandbox(backend: str) -> Sandbox:
    if backend == "local":
        from sandbox.local import LocalSandbox

        return LocalSandbox()
    from sandbox.docker import DockerSandbox

    return DockerSandbox()


def versions() -> dict[str, str]:
    out = {"aisci": __version__, "python": platform.python_version()}
    for dist in ("langgraph", "litellm", "docker", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def write_run_json(run: RunFolder, settings: RunSettings, status: str, **extra: Any) -> None:
    record = run.read_json("run.json", {}) or {}
    record.update({
        "id": run.id, "topic": settings.topic, "template": settings.template,
        "models": {role: m.model_dump(exclude_none=True)
                   for role, m in settings.models_by_role().items()},
        "settings": settings.model_dump(mode="json", exclude={"model", "role_models"}),
        "run_settings": settings.model_dump(mode="json"),
        "versions": versions(), "status": status, **extra,
    })
    record.setdefault("timings", {})
    run.write_json("run.json", record)


def pending_approval(values: dict[str, Any]) -> dict[str, Any] | None:
    """The checkpoint a paused run waits at (its interrupt payload), if any."""
    pending = values.get("__pending__")
    return pending if isinstance(pending, dict) else None


async def execute(run: RunFolder, settings: RunSettings, sandbox: Sandbox, *,
                  resume: bool = False, answer: bool | None = None,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Run (or continue) the graph until it ends or pauses; returns the state values.

    ``answer`` is the reply to a pending approval (``--approve``): True continues, False
    skips what was to be approved. A paused run has ``status == "awaiting_approval"`` and its
    question under ``values["__pending__"]``.
    """
    import aiosqlite
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.types import Command

    template = load_template(settings.template)

    def on_event(event: dict[str, Any]) -> None:
        event = dict(event)
        run.event(event.pop("type"), **event)

    llm = LLMClient(settings.models_by_role(), default=settings.model, on_event=on_event)
    llm.spent_usd = CostLedger.from_events(run.events()).total.cost_usd  # resume: spent so far
    ctx = RunContext(run=run, settings=settings, template=template, llm=llm, sandbox=sandbox,
                     stage_estimates=stage_estimates(settings, template.max_runs))
    started = time.monotonic()
    record = run.read_json("run.json", {}) or {}
    timings = record.get("timings", {})
    timings.setdefault("started", datetime.now(UTC).isoformat())
    write_run_json(run, settings, "running", timings=timings, sandbox=sandbox.describe())
    run.event("run_resume" if resume else "run_start", sandbox=sandbox.describe())
    sweep = getattr(sandbox, "cleanup", None)
    if sweep is not None:  # containers left by crashed aisci processes (never a live run's)
        stale = sweep(stale_only=True)
        if stale.containers or stale.volumes:
            run.event("sandbox_cleanup", stale=True, containers=stale.containers,
                      volumes=stale.volumes)
    parallel = effective_parallel(settings.parallel, template.limits)
    if parallel < settings.parallel:
        run.event("parallel_limited", requested=settings.parallel, used=parallel,
                  cpus=os.cpu_count(), job_cpus=template.limits.cpus,
                  job_memory_mb=template.limits.memory_mb)
    config: RunnableConfig = {"configurable": {"thread_id": THREAD_ID},
                              "max_concurrency": parallel, "recursion_limit": 100}
    status = "failed"
    try:
        async with aiosqlite.connect(str(run.checkpoints)) as conn:
            saver = AsyncSqliteSaver(conn, serde=checkpoint_serializer())
            graph = build_graph().compile(checkpointer=saver)
            inputs: Any = {"topic": settings.topic}
            if resume:
                inputs = Command(resume=answer) if answer is not None else None
            async for chunk in graph.astream(  # type: ignore[call-overload]
                    inputs, config, context=ctx, stream_mode="updates", durability="sync"):
                for node, update in chunk.items():
                    if node.startswith("__"):  # __interrupt__, __metadata__ (a replay on resume)
                        continue
                    run.event("node_end", node=node)
                    if progress:
                        progress(node, update or {})
            snapshot = await graph.aget_state(config)
            values = dict(snapshot.values)
            interrupts = [i for task in snapshot.tasks for i in task.interrupts]
            if interrupts:
                status = "awaiting_approval"
                values["__pending__"] = interrupts[0].value
                run.event("awaiting_approval", checkpoint=interrupts[0].value.get("checkpoint"))
            else:
                status = values.get("status", "incomplete") if not snapshot.next else "incomplete"
            values["status"] = status
            return values
    except BudgetExceeded:
        status = "stopped_budget"
        raise
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        cleanup = getattr(sandbox, "cleanup", None)
        if cleanup is not None:  # nothing of this run may stay behind, on any path
            report = cleanup(run.id)
            if getattr(report, "containers", None) or getattr(report, "volumes", None):
                run.event("sandbox_cleanup", containers=report.containers, volumes=report.volumes)
        timings["finished"] = datetime.now(UTC).isoformat()
        timings["wall_s"] = round(timings.get("wall_s", 0) + time.monotonic() - started, 2)
        run.write_json("cost.json", CostLedger.from_events(run.events()))
        write_run_json(run, settings, status, timings=timings)
        write_report(run.path)  # the page shows whatever exists, for stopped runs too
