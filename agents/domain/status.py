"""How a run ended, and the exit code each ending gives on the command line."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from pydantic import BaseModel


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"  # every selected idea reached a reviewed paper
    completed_with_failures = "completed_with_failures"  # some did, some failed (see failures)
    failed = "failed"  # nothing reached a reviewed paper
    awaiting_approval = "awaiting_approval"
    stopped_budget = "stopped_budget"
    interrupted = "interrupted"
    declined = "declined"  # the user answered no at an --approve checkpoint
    incomplete = "incomplete"


class ExitCode(IntEnum):
    ok = 0
    failed = 1  # the run produced nothing, or an unexpected fault
    bad_input = 2
    budget = 3
    partial = 4  # the run finished with some failures, recorded in the run folder
    interrupted = 130


EXIT_CODES = {
    RunStatus.completed: ExitCode.ok, RunStatus.completed_with_failures: ExitCode.partial,
    RunStatus.failed: ExitCode.failed, RunStatus.awaiting_approval: ExitCode.ok,
    RunStatus.stopped_budget: ExitCode.budget, RunStatus.declined: ExitCode.ok,
    RunStatus.interrupted: ExitCode.interrupted, RunStatus.incomplete: ExitCode.failed,
    RunStatus.running: ExitCode.failed,
}


class Failure(BaseModel):
    """Something that failed and was recorded instead of ending the run."""

    stage: str
    idea: str | None = None
    reason: str
