"""What every line of ``events.jsonl`` is (``agents.domain.events`` has the kinds)."""

from __future__ import annotations

import time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: A count or an amount that is never below zero.
Count = Annotated[int, Field(ge=0)]
Amount = Annotated[float, Field(ge=0)]


def _now() -> float:
    return round(time.time(), 3)


class EventBase(BaseModel):
    """What every event has: when it was written."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

    ts: float = Field(default_factory=_now)
