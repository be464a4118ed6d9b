"""How many requests a model gets at once, and who gets a freed slot.

A local server (llama.cpp, Ollama) evaluates a prompt's opening again unless it is the opening
of the prompt it served last: its prefix cache holds one conversation. When two branches of a
run (two ideas) take turns, each request then pays for the whole prompt. ``AffinityGate``
keeps a freed slot for the branch that just used it, for ``hold_s`` (one slot at a time is
held): a branch that asks again at once (the next section of the same paper) keeps the
server's cache warm, and another branch waits at most that long.

    gate = AffinityGate(1)
    async with gate.slot("idea_a"):
        ...  # one request
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar

#: The branch of the run this task works for (an idea's name; "" outside a branch).
current_branch: ContextVar[str] = ContextVar("aisci_branch", default="")
HOLD_S = 2.0


class AffinityGate:
    def __init__(self, slots: int, *, hold_s: float = HOLD_S) -> None:
        self._free = slots
        self._hold_s = hold_s
        self._waiters: list[tuple[str, asyncio.Future[None]]] = []
        self._reserved: tuple[str, asyncio.TimerHandle] | None = None

    @contextlib.asynccontextmanager
    async def slot(self, branch: str | None = None) -> AsyncIterator[None]:
        branch = current_branch.get() if branch is None else branch
        await self._acquire(branch)
        try:
            yield
        finally:
            self._release(branch)

    async def _acquire(self, branch: str) -> None:
        if self._reserved is not None and self._reserved[0] == branch:
            self._reserved[1].cancel()  # the held slot is this branch's
            self._reserved = None
            return
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((branch, future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release(branch)  # the slot came as we were cancelled: pass it on
            else:
                self._waiters.remove((branch, future))
            raise

    def _release(self, branch: str) -> None:
        same = next((w for w in self._waiters if w[0] == branch), None)
        if same is not None:
            self._hand_to(same)
        elif branch and self._hold_s > 0 and self._reserved is None:
            handle = asyncio.get_running_loop().call_later(self._hold_s, self._expire)
            self._reserved = (branch, handle)
        elif self._waiters:
            self._hand_to(self._waiters[0])
        else:
            self._free += 1

    def _expire(self) -> None:
        self._reserved = None
        if self._waiters:
            self._hand_to(self._waiters[0])
        else:
            self._free += 1

    def _hand_to(self, waiter: tuple[str, asyncio.Future[None]]) -> None:
        self._waiters.remove(waiter)
        if not waiter[1].done():
            waiter[1].set_result(None)
        else:  # cancelled meanwhile: give the slot to the next one
            self._release(waiter[0])
