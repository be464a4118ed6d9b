"""``run.json``: the one typed record of a run, read through one validating reader and written
by one writer.

A run folder may come from another machine or person, so ``read_run_record`` treats the file
as untrusted data: an unknown field, a value out of its range or of the wrong type ends in one
``RunRecordError`` line that names the field. Nothing in the record widens what aisci may do
on its word: ``agents.run.resume_guard`` decides what a resume may take from it.

The file keeps the layout the README documents: ``models`` (per role) and ``settings`` (the
rest) are derived from ``run_settings`` when written and ignored when read (so they cannot
disagree with it). Every string of the settings is written with its credentials masked
(``agents.config.secrets.redact_settings``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agents.config import RunSettings, redact_settings
from agents.domain import Failure, RunStatus
from agents.errors import ConfigError
from agents.run.folder import RunFolder, atomic_write_json
from agents.run.safe_files import read_regular

RUN_JSON = "run.json"
#: Written for readers (the README's layout), recomputed from ``run_settings`` on every write.
DERIVED = ("models", "settings")
#: A run.json larger than this is not one aisci wrote.
MAX_BYTES = 2_000_000


class RunRecordError(ConfigError):
    """run.json is missing, unreadable or not a record aisci wrote."""


class Timings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started: str | None = Field(default=None, max_length=64)
    finished: str | None = Field(default=None, max_length=64)
    wall_s: float = Field(default=0.0, ge=0, le=10 * 365 * 86400)


class RunRecord(BaseModel):
    """What run.json holds."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    topic: str = Field(min_length=1, max_length=2000)
    template: str = Field(max_length=4096)
    status: RunStatus
    run_settings: RunSettings
    versions: dict[str, str] = Field(default_factory=dict)
    sandbox: dict[str, str] | None = None
    failures: list[Failure] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    idea_rounds: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if k not in DERIVED}
        failures = data.get("failures")
        if isinstance(failures, list):  # older runs: a scaffold failure said "error"
            data["failures"] = [{**{k: v for k, v in f.items() if k != "error"},
                                 "reason": f["error"]}
                                if isinstance(f, dict) and "error" in f and "reason" not in f
                                else f for f in failures]
        return data

    def to_json(self) -> dict[str, Any]:
        """The file's content: settings masked, the derived views added."""
        settings = redact_settings(self.run_settings.model_dump(mode="json"))
        assert isinstance(settings, dict)
        record = self.model_dump(mode="json")
        record["run_settings"] = settings
        record["models"] = {role: settings["role_models"].get(role, settings["model"])
                            for role in self.run_settings.models_by_role()}
        record["settings"] = {k: v for k, v in settings.items()
                              if k not in ("model", "role_models")}
        order = ("id", "topic", "template", "models", "settings", "run_settings", "versions",
                 "status", "sandbox", "failures", "timings", "idea_rounds")
        if record.get("idea_rounds") is None:  # only a run that proposed ideas in rounds has it
            record.pop("idea_rounds", None)
        return {k: record[k] for k in order if k in record}


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "(the record)"
    what = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}: {what}{more}"


def parse_run_record(path: Path) -> RunRecord:
    """``path`` (a run.json) as a validated record; ``RunRecordError`` in one line otherwise."""
    try:
        if not path.is_file() or path.is_symlink():
            raise RunRecordError(f"{path} is not a regular file: not a run aisci wrote")
        if path.stat().st_size > MAX_BYTES:
            raise RunRecordError(f"{path} is larger than {MAX_BYTES} bytes: not a run aisci wrote")
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunRecord.model_validate(data)
    except ValidationError as exc:
        raise RunRecordError(f"{path} is not a valid run record: {_first_problem(exc)}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise RunRecordError(f"{path} cannot be read as a run record: "
                             f"{type(exc).__name__}: {str(exc)[:160]}") from None


def read_run_record(run: RunFolder) -> RunRecord:
    return parse_run_record(run.path / RUN_JSON)


def try_read_run_record(run: RunFolder) -> RunRecord | None:
    """The record, or None when there is none yet or it is not valid (a report of a broken
    folder shows what it can)."""
    try:
        return read_run_record(run)
    except RunRecordError:
        return None


def write_run_record(run: RunFolder, settings: RunSettings, status: str, *,
                     versions: dict[str, str] | None = None, sandbox: dict[str, str] | None = None,
                     failures: list[Failure] | None = None,
                     timings: Timings | None = None,
                     idea_rounds: int | None = None) -> RunRecord:
    """Write run.json: ``settings`` and ``status`` now, the other parts as given or as the
    current record has them."""
    current = try_read_run_record(run) if (run.path / RUN_JSON).is_file() else None
    record = RunRecord(
        id=run.id, topic=settings.topic, template=settings.template, status=RunStatus(status),
        run_settings=settings,
        versions=versions if versions is not None else (current.versions if current else {}),
        sandbox=sandbox if sandbox is not None else (current.sandbox if current else None),
        failures=failures if failures is not None else (current.failures if current else []),
        timings=timings if timings is not None else (current.timings if current else Timings()),
        idea_rounds=idea_rounds if idea_rounds is not None
        else (current.idea_rounds if current else None))
    atomic_write_json(run.file(RUN_JSON), record.to_json())
    return record


def read_typed(run: RunFolder, rel: str, kind: Any, default: Any) -> Any:
    """A record of the run folder (``ideas.json``, ``runs.json``...) validated as ``kind``
    (a pydantic type); ``default`` when it does not exist, ``RunRecordError`` in one line
    when it is not what aisci writes."""
    from pydantic import TypeAdapter

    path = run.file(rel)
    if not path.is_file() and not path.is_symlink():
        return default
    text = read_regular(path, limit=50 * MAX_BYTES)
    if text is None:
        raise RunRecordError(f"{path} is not a regular file aisci wrote (a link, or too large)")
    try:
        return TypeAdapter(kind).validate_json(text)
    except ValidationError as exc:
        raise RunRecordError(f"{path} is not a valid record: {_first_problem(exc)}") from None
    except RecursionError:
        raise RunRecordError(f"{path} is nested too deeply to be a record aisci wrote") from None
