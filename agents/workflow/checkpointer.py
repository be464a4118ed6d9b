"""Where a run's LangGraph checkpoints live: SQLite in the run folder (the default), or a
PostgreSQL database shared by a team (``--checkpointer postgresql://...``).

With SQLite, ``checkpoints.sqlite`` makes the run folder self-contained. With PostgreSQL the
state of every run is in one database, keyed by the run's id, so any machine that can reach the
database (and sees the run folder) can ``aisci resume`` it. Checkpoints restore only aisci's
own domain records (an allow-list of classes), each validated.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from agents.errors import ConfigError
from agents.run import RunFolder

POSTGRES_SCHEMES = ("postgres://", "postgresql://")
SQLITE_THREAD = "research"
SQLITE_BUSY_S = 60.0
SETTLE_S = 30.0  # how long a closing checkpointer waits for a checkpoint write in flight


class Checkpointer(NamedTuple):
    saver: Any  # a langgraph BaseCheckpointSaver
    thread_id: str


def is_postgres(dsn: str | None) -> bool:
    return bool(dsn) and dsn.startswith(POSTGRES_SCHEMES)  # type: ignore[union-attr]


def checkpoint_serializer() -> Any:
    """Checkpoints restore only our own domain records, each validated (an explicit
    allow-list; ``agents.workflow.strict_serde``)."""
    from pydantic import BaseModel

    from agents.domain import experiments, ideas, papers, results, reviews, status
    from agents.workflow.strict_serde import StrictSerializer

    records = [obj for module in (experiments, ideas, papers, results, reviews, status)
               for obj in vars(module).values()
               if inspect.isclass(obj) and issubclass(obj, BaseModel)
               and obj.__module__ == module.__name__]
    return StrictSerializer(records, enums=[status.RunStatus])


async def _quiesce(saver: Any) -> None:
    """Wait (bounded) until no checkpoint write is in flight, and keep writes out after.

    When a node fails (a budget stop, a crash), LangGraph's other tasks can still be inside a
    write. Closing the connection under one leaves its statement, and the database's write
    lock, held until the process ends: a resume in the same process then waits on a lock it
    can never get. Every saver call holds ``saver.lock``; taking it (and keeping it) waits for
    the last one.
    """
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(saver.lock.acquire(), timeout=SETTLE_S)


@contextlib.asynccontextmanager
async def open_checkpointer(run: RunFolder, dsn: str | None) -> AsyncIterator[Checkpointer]:
    """The saver for ``run``: PostgreSQL when ``dsn`` is a postgresql:// URL, else SQLite.
    The serializer's imports run on a thread: a fresh run's baseline jobs start meanwhile."""
    serde = await asyncio.to_thread(checkpoint_serializer)
    if is_postgres(dsn):
        try:
            from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        except ImportError as exc:
            raise ConfigError("--checkpointer postgresql://... needs the postgres extra: "
                              "pip install 'aisci[postgres]'") from exc
        import psycopg

        try:
            async with AsyncPostgresSaver.from_conn_string(dsn or "", serde=serde) as saver:
                await saver.setup()
                try:
                    yield Checkpointer(saver, run.id)
                finally:
                    await _quiesce(saver)
        except psycopg.OperationalError as exc:
            from agents.config import redact

            raise ConfigError(f"cannot reach the checkpoint database: "
                              f"{redact(str(exc).splitlines()[0])}") from None
        return
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    # A generous busy timeout: on a loaded machine a writer can wait longer than sqlite's 5 s.
    async with aiosqlite.connect(str(run.checkpoints), timeout=SQLITE_BUSY_S) as conn:
        sqlite_saver = AsyncSqliteSaver(conn, serde=serde)
        try:
            yield Checkpointer(sqlite_saver, SQLITE_THREAD)
        finally:
            await _quiesce(sqlite_saver)


async def verify_checkpoints(run: RunFolder, dsn: str | None) -> None:
    """Load the run's latest state and its pending tasks once, strictly: a checkpoint aisci
    did not write ends a resume here (``CheckpointError``), before anything runs. Beyond each
    record's own validation (``StrictSerializer``), the state must have the graph's types
    exactly (a plain mapping where an ``Idea`` belongs is refused too)."""
    from pydantic import TypeAdapter, ValidationError

    from agents.workflow.graph import build_graph
    from agents.workflow.state import ResearchState
    from agents.workflow.strict_serde import CheckpointError

    async with open_checkpointer(run, dsn) as (saver, thread_id):
        graph = build_graph().compile(checkpointer=saver)
        snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    try:
        TypeAdapter(ResearchState).validate_python(dict(snapshot.values), strict=True)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise CheckpointError(f"the run's checkpointed state is not what aisci writes "
                              f"({where}: {error['msg']}): it was changed outside aisci; "
                              f"nothing was run") from None
