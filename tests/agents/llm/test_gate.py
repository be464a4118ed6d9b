"""A local server's gate keeps a freed slot for the branch that used it, for a short while."""

from __future__ import annotations

import asyncio

from agents.llm.gate import AffinityGate


def test_a_branch_that_asks_again_at_once_goes_before_the_other() -> None:
    order: list[str] = []

    async def scenario() -> None:
        gate = AffinityGate(1, hold_s=0.5)

        async def call(branch: str, pause: float = 0.0) -> None:
            await asyncio.sleep(pause)
            async with gate.slot(branch):
                order.append(branch)
                await asyncio.sleep(0.05)

        async def branch_a() -> None:
            await call("a")
            await call("a", pause=0.01)  # the next section of the same paper

        await asyncio.gather(branch_a(), call("b", pause=0.01))

    asyncio.run(scenario())
    assert order == ["a", "a", "b"]


def test_a_held_slot_is_given_up_after_the_hold() -> None:
    async def scenario() -> float:
        gate = AffinityGate(1, hold_s=0.2)
        async with gate.slot("a"):
            pass
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with gate.slot("b"):
            return loop.time() - started

    waited = asyncio.run(scenario())
    assert 0.15 < waited < 1.0


def test_without_a_hold_slots_are_plain_first_come() -> None:
    async def scenario() -> list[str]:
        gate = AffinityGate(2, hold_s=0.0)
        seen: list[str] = []

        async def call(branch: str) -> None:
            async with gate.slot(branch):
                seen.append(branch)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(call(b) for b in "abcd"))
        return seen

    assert sorted(asyncio.run(scenario())) == list("abcd")
