"""Start or resume a run: build the context, run the checkpointed graph, keep run.json current."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

from agents import __version__
from agents.config import RunSettings
from agents.cost import CostLedger
from agents.domain import (
    AwaitingApproval,
    EventBase,
    ExperimentRun,
    Failure,
    IdeaRound,
    NodeEnd,
    NodeStart,
    ParallelLimited,
    ReportError,
    RunResume,
    RunStart,
    RunStatus,
    SandboxCleanup,
)
from agents.errors import BudgetExceeded
from agents.llm import LLMClient, Transcripts, is_offline_model
from agents.report import write_report
from agents.run import RunContext, RunFolder, Timings, try_read_run_record, write_run_record
from agents.workflow.checkpointer import is_postgres, open_checkpointer
from agents.workflow.roles import baseline_stage
from agents.workflow.services import (
    adopt_template,
    job_runner,
    make_tex,
    parallel_for,
    run_template,
    stage_estimates,
)
from sandbox import Sandbox

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.graph import StateGraph

Progress = Callable[[str, dict[str, Any]], None]
#: Nodes that mark the point a ``--retry-failed`` resume starts again from.
RETRY_FROM = ("research_idea", "baseline", "scaffold")


def versions() -> dict[str, str]:
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:  # read once: each lookup scans the path
    out = {"aisci": __version__, "python": platform.python_version()}
    for dist in ("langgraph", "litellm", "docker", "pydantic"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return tuple(out.items())


def write_run_json(run: RunFolder, settings: RunSettings, status: str, *,
                   failures: list[Failure] | None = None, timings: Timings | None = None,
                   sandbox: dict[str, str] | None = None,
                   idea_rounds: int | None = None) -> None:
    write_run_record(run, settings, status, versions=versions(), failures=failures,
                     timings=timings, sandbox=sandbox, idea_rounds=idea_rounds)


def record_state(run: RunFolder, values: dict[str, Any]) -> None:
    """The run-level records that follow from the graph's state, written here only: the nodes
    return values and write none of them (``ideas.json``: every round's ideas, as the state
    holds them after each node that changed them)."""
    if "ideas" in values:
        run.write_json("ideas.json", values["ideas"])


@dataclass(frozen=True)
class RunEnd:
    """Where ``execute`` left the run: its status, the failures recorded along the way, and for a
    paused run the question it waits on (the approval checkpoint's payload)."""

    status: RunStatus
    failures: list[Failure] = field(default_factory=list)
    pending: dict[str, Any] | None = None


async def _retry_point(graph: Any, config: Any) -> Any:
    """The checkpoint a ``--retry-failed`` resume forks from: just before the per-idea
    branches, or before the baseline when the run never got that far, or before the
    template-free start when that failed."""
    earliest: dict[str, Any] = {}
    async for snapshot in graph.aget_state_history(config):  # the newest first
        if RETRY_FROM[0] in snapshot.next:
            return snapshot.config
        for node in RETRY_FROM[1:]:
            if node in snapshot.next:
                earliest[node] = snapshot.config
    return next((earliest[n] for n in RETRY_FROM[1:] if n in earliest), None)


def warm_imports(settings: RunSettings) -> threading.Thread | None:
    """Import litellm (seconds of CPU) on a thread when a role's model is a real one, while the
    baseline's sandbox jobs keep the main thread waiting. Started once the graph is built, so
    the main thread imports nothing at the same time. The offline model needs no litellm."""
    if all(is_offline_model(m.model) for m in settings.models_by_role().values()):
        return None

    def load() -> None:
        with contextlib.suppress(Exception):  # an import that fails here fails again, visibly
            from agents.llm import litellm

            litellm()

    thread = threading.Thread(target=load, name="aisci-warm-imports", daemon=True)
    thread.start()
    return thread


def start_baseline(ctx: RunContext) -> asyncio.Task[ExperimentRun]:
    """A fresh run's baseline, started with the run's own SQLite checkpointer or once a database
    one answers: its sandbox jobs run while the checkpointer opens and the workflow and the rest
    of LangGraph are imported (most of a second of CPU) on a thread.
    The graph's baseline node awaits it; what it records is what that node would have
    recorded."""
    return asyncio.create_task(baseline_stage(ctx), name="aisci-baseline")


async def _settle(task: asyncio.Task[Any] | None) -> None:
    """Cancel and wait for a task nobody awaited (its error, if any, is the run's stop's)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(BaseException):
        await task


async def _adopt_written_template(ctx: RunContext, graph: Any, config: RunnableConfig) -> None:
    """On a resume of a template-free run: the template its ``scaffold`` node wrote, when the
    checkpoint says that node finished. The folder is always the run's own ``template/``
    (never a path read back from the checkpoint); otherwise the node runs (again)."""
    from agents.scaffold import TEMPLATE_DIR

    state = await graph.aget_state(config)
    if state.values.get("scaffolded"):
        adopt_template(ctx, ctx.run.file(TEMPLATE_DIR))


def load_workflow() -> StateGraph[Any, Any, Any, Any]:
    """The research graph, built (not compiled): importing it imports the rest of LangGraph.
    The baseline's statistics need scipy's t distribution as soon as its jobs end: that comes
    first."""
    from agents.experiment import scipy_special
    from agents.workflow.graph import build_graph

    scipy_special()
    return build_graph()


def _live_report(run: RunFolder, stage: str) -> None:
    """report.html after a stage: what exists so far, marked as still going. A page that fails
    to draw is recorded and the run goes on (the final page is drawn again at the end)."""
    try:
        write_report(run.path, live=True, stage=stage)
    except Exception as exc:  # the page must never stop the research
        run.event(ReportError(error=f"{type(exc).__name__}: {str(exc)[:300]}"))


async def execute(run: RunFolder, settings: RunSettings, sandbox: Sandbox, *,
                  resume: bool = False, answer: bool | None = None, retry_failed: bool = False,
                  progress: Progress | None = None) -> RunEnd:
    """Run (or continue) the graph until it ends or pauses.

    ``answer`` is the reply to a pending approval (``--approve``): True continues, False
    skips what was to be approved. A paused run ends ``awaiting_approval`` with its question in
    ``pending``. ``retry_failed`` (with ``resume``) does the
    steps recorded as failed again; what finished is reused.
    """
    llm = LLMClient(settings.models_by_role(), default=settings.model, on_event=run.event,
                    transcripts=Transcripts(run.path))
    llm.spent_usd = CostLedger.from_events(run.events()).total.cost_usd  # resume: spent so far
    # A template-free run has no template until its scaffold node has written one (on a
    # resume: until its checkpoint says so, below).
    template = None if settings.from_scratch else run_template(settings, settings.template)
    parallel = parallel_for(settings, template) if template is not None else settings.parallel
    jobs = job_runner(run, settings, sandbox, template)
    ctx = RunContext(run=run, settings=settings, template_or_none=template, llm=llm, jobs=jobs,
                     tex=make_tex(settings, jobs),
                     stage_estimates=(stage_estimates(settings, template.max_runs)
                                      if template is not None else {}),
                     retry_failed=retry_failed)
    started = time.monotonic()
    record = try_read_run_record(run)
    timings = record.timings.model_copy() if record is not None else Timings()
    timings.started = timings.started or datetime.now(UTC).isoformat()
    write_run_json(run, settings, RunStatus.running, timings=timings, sandbox=sandbox.describe())
    run.event((RunResume if resume else RunStart)(sandbox=sandbox.describe(),
                                                   retry_failed=retry_failed))

    def on_stage(event: EventBase) -> None:  # every stage boundary redraws the page
        # (but the last: the final page follows it at once)
        if isinstance(event, NodeStart | NodeEnd) and event.node != "finish":
            _live_report(run, event.node)

    run.listeners.append(on_stage)
    _live_report(run, "starting")
    stale = sandbox.cleanup(stale_only=True)  # left by crashed aisci processes (never a live run's)
    if stale.containers or stale.volumes:
        run.event(SandboxCleanup(stale=True, containers=stale.containers,
                                 volumes=stale.volumes))
    if template is not None and parallel < settings.parallel:
        run.event(ParallelLimited(requested=settings.parallel, used=parallel,
                                  cpus=os.cpu_count(), job_cpus=template.limits.cpus,
                                  job_memory_mb=template.limits.memory_mb))
    status: str = RunStatus.failed
    failures: list[Failure] | None = None  # None: run.json keeps what it says (no finish yet)
    try:
        # A database checkpointer answers first (it may not): nothing runs before it does. The
        # run's own SQLite file cannot be unreachable: the baseline starts while it opens.
        local = not is_postgres(settings.checkpointer)
        early = not resume and template is not None
        if early and local:
            ctx.early_baseline = start_baseline(ctx)
        async with open_checkpointer(run, settings.checkpointer) as (saver, thread_id):
            if early and not local:
                ctx.early_baseline = start_baseline(ctx)
            workflow = await asyncio.to_thread(load_workflow)
            from langgraph.types import Command

            config: RunnableConfig = {"configurable": {"thread_id": thread_id},
                                      "max_concurrency": parallel, "recursion_limit": 100}
            graph = workflow.compile(checkpointer=saver)
            if resume and template is None:  # a template-free run: written before it stopped?
                await _adopt_written_template(ctx, graph, config)
            warm_imports(settings)
            inputs: Any = {"topic": settings.topic, "from_scratch": settings.from_scratch}
            start_config: RunnableConfig = config
            if resume:
                inputs = Command(resume=answer) if answer is not None else None
                if retry_failed:
                    fork = await _retry_point(graph, config)
                    if fork is not None:
                        start_config = {**config, "configurable": fork["configurable"]}
                        inputs = None
            async for chunk in graph.astream(
                    inputs, start_config, context=ctx, stream_mode="updates", durability="sync"):
                for node, update in chunk.items():
                    if node.startswith("__"):  # __interrupt__, __metadata__ (a replay on resume)
                        continue
                    record_state(run, update or {})  # before the event: it redraws the page
                    run.event(NodeEnd(node=node))
                    if progress:
                        progress(node, update or {})
            snapshot = await graph.aget_state(config)
            values = snapshot.values
            record_state(run, values)  # what a crash between a checkpoint and its file missed
            recorded = list(values.get("failures", []))
            interrupts = [i for task in snapshot.tasks for i in task.interrupts]
            if interrupts:
                status = RunStatus.awaiting_approval
                question = interrupts[0].value
                run.event(AwaitingApproval(checkpoint=question.get("checkpoint")))
                return RunEnd(status, recorded, question)
            status = RunStatus(values.get("status", RunStatus.incomplete)) if not snapshot.next \
                else RunStatus.incomplete
            if not snapshot.next and "status" in values:  # the finish node ran: its verdict
                failures = recorded
            return RunEnd(status, recorded)
    except BudgetExceeded:
        status = RunStatus.stopped_budget
        raise
    except KeyboardInterrupt:
        status = RunStatus.interrupted
        raise
    finally:
        await _settle(ctx.early_baseline)  # never awaited: the graph did not reach it
        if on_stage in run.listeners:
            run.listeners.remove(on_stage)
        report = sandbox.cleanup(run.id)  # nothing of this run may stay behind, on any path
        if report.containers or report.volumes:
            run.event(SandboxCleanup(containers=report.containers, volumes=report.volumes))
        timings.finished = datetime.now(UTC).isoformat()
        timings.wall_s = round(timings.wall_s + time.monotonic() - started, 2)
        events = run.events()
        run.write_json("cost.json", CostLedger.from_events(events))
        rounds = [e.round for e in events if isinstance(e, IdeaRound)]
        # how many rounds of ideas it took to find a novel one (or to give up)
        write_run_json(run, ctx.settings, str(status), timings=timings, failures=failures,
                       idea_rounds=max(rounds) if rounds else None)
        write_report(run.path)  # the page shows whatever exists, for stopped runs too
