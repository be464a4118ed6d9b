"""Checkpoints load strictly: every restored value is one of aisci's records, validated.

LangGraph's serializer restores an allowed pydantic class with ``cls(**fields)`` and, when that
fails validation, falls back to ``model_construct`` (no validation at all); a class off the
allow-list comes back as a plain dict. A checkpoint is read back from a file or a shared
database, so either would let a crafted checkpoint hand the graph an ``Idea`` named
``../../../X`` with a score of 99. Here the msgpack extension hook is aisci's own: an allowed
record is built with ``model_validate`` and nothing else; a value that fails, a class off the
list, or an extension type aisci never writes ends the load with ``CheckpointError`` naming
what was wrong. LangGraph's own types (``Send``, ``Interrupt``...) and the standard library
values on its safe list load as before, their contents through the same strict hook.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from typing import Any

import ormsgpack
from langgraph.checkpoint.serde import _msgpack as lg_msgpack
from langgraph.checkpoint.serde.jsonplus import (
    EXT_CONSTRUCTOR_KW_ARGS,
    EXT_CONSTRUCTOR_POS_ARGS,
    EXT_CONSTRUCTOR_SINGLE_ARG,
    EXT_METHOD_SINGLE_ARG,
    EXT_PYDANTIC_V2,
    JsonPlusSerializer,
)
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from pydantic import BaseModel, ValidationError

from agents.errors import ConfigError

_EXT_DELTA_SNAPSHOT = 7  # jsonplus.EXT_DELTA_SNAPSHOT (not exported under that name everywhere)


class CheckpointError(ConfigError):
    """A checkpoint holds something aisci never writes: it was changed outside aisci."""


class _Rejected(Exception):
    pass


def _problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(the value)"
    return f"{where}: {error['msg']}"


class StrictSerializer(JsonPlusSerializer):
    """``JsonPlusSerializer`` whose msgpack loads validate every record (see the module)."""

    def __init__(self, records: Iterable[type[BaseModel]], enums: Iterable[type[Any]]) -> None:
        self._records = {(c.__module__, c.__name__): c for c in records}
        self._enums = {(c.__module__, c.__name__): c for c in enums}
        self._local = threading.local()
        allowed = [*self._records, *self._enums]
        super().__init__(allowed_msgpack_modules=allowed, __unpack_ext_hook__=self._hook)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        self._local.problem = None
        try:
            return super().loads_typed(data)
        except (ValueError, TypeError) as exc:
            problem = getattr(self._local, "problem", None) or f"{type(exc).__name__}: {exc}"
            raise CheckpointError(f"a checkpoint of this run holds {problem}: it was not written "
                                  f"by aisci (changed in the run folder or the database); "
                                  f"nothing was run") from None

    def _reject(self, problem: str) -> _Rejected:
        if getattr(self._local, "problem", None) is None:
            self._local.problem = problem
        return _Rejected(problem)

    def _unpack(self, data: bytes) -> Any:
        return ormsgpack.unpackb(data, ext_hook=self._hook, option=ormsgpack.OPT_NON_STR_KEYS)

    def _hook(self, code: int, data: bytes) -> Any:
        if code == _EXT_DELTA_SNAPSHOT:
            return _DeltaSnapshot(self._unpack(data))
        if code == EXT_PYDANTIC_V2:
            module, name, fields, *_ = self._unpack(data)
            cls = self._records.get((module, name))
            if cls is None:
                raise self._reject(f"a {module}.{name}, which is not one of aisci's records")
            try:
                return cls.model_validate(fields)
            except ValidationError as exc:
                raise self._reject(f"an invalid {name} ({_problem(exc)})") from None
        if code in (EXT_CONSTRUCTOR_SINGLE_ARG, EXT_CONSTRUCTOR_POS_ARGS,
                    EXT_CONSTRUCTOR_KW_ARGS, EXT_METHOD_SINGLE_ARG):
            return self._construct(code, self._unpack(data))
        raise self._reject(f"a value of msgpack extension type {code}, which aisci never writes")

    def _construct(self, code: int, tup: Any) -> Any:
        module, name, args = tup[0], tup[1], tup[2]
        key = (module, name)
        enum = self._enums.get(key)
        if enum is not None and code == EXT_CONSTRUCTOR_SINGLE_ARG:
            try:
                return enum(args)
            except ValueError:
                raise self._reject(f"an invalid {name} ({args!r:.60})") from None
        if code == EXT_METHOD_SINGLE_ARG:
            if (module, name, tup[3]) not in lg_msgpack.SAFE_MSGPACK_METHODS:
                raise self._reject(f"a call of {module}.{name}.{tup[3]}, which aisci never writes")
            return getattr(getattr(importlib.import_module(module), name), tup[3])(args)
        if key not in lg_msgpack.SAFE_MSGPACK_TYPES:
            raise self._reject(f"a {module}.{name}, which is not one of aisci's records")
        if key == ("langgraph.types", "Send") and code == EXT_CONSTRUCTOR_POS_ARGS:
            from langgraph.types import Send

            return Send(args[0], args[1]) if len(args) == 2 else Send(args[0], args[1],
                                                                      timeout=args[2])
        cls = getattr(importlib.import_module(module), name)
        try:
            if code == EXT_CONSTRUCTOR_SINGLE_ARG:
                return cls(args)
            if code == EXT_CONSTRUCTOR_POS_ARGS:
                return cls(*args)
            return cls(**args)
        except (TypeError, ValueError) as exc:
            raise self._reject(f"an invalid {name} ({exc})") from None
