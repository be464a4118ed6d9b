"""The base of every answer an agent asks a model for."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict


class ReplyModel(BaseModel):
    """What an agent asks a model for. Extra keys in a reply are ignored, not fatal.

    Subclasses give ``example()``: a filled-in answer that the prompt shows instead of the
    raw JSON schema (small models echo schemas back; they copy the shape of an example).
    """

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def example(cls) -> Self:
        raise NotImplementedError(f"{cls.__name__} has no example answer")
