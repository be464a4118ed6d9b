"""What the experiment roles are given (issue 29 item 2), unpacked from the run's context by
``agents.workflow.roles``: never the whole ``RunContext``.

- ``Lab``: what running a version of the code takes (no model): the job runner, the template,
  where events go, the sandbox backend's name, the seeds, and the baseline's record once it
  exists (a variant must report every group the baseline reports).
- ``Experimenter``: a ``Lab`` plus what turning an idea into runs takes: the run folder (the
  idea's records), the coder model, the decided primary metric, and the experiment settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.config import SearchMode, TreeSettings
from agents.domain import EventBase, ExperimentRun
from agents.jobs import JobRunner
from agents.llm import LLMClient
from agents.run import RunFolder
from agents.templates import PrimaryMetric, Template


@dataclass(frozen=True)
class Lab:
    jobs: JobRunner
    template: Template
    record: Callable[[EventBase], None]
    #: The sandbox backend's name, as the run's records say it (``docker``, ``local``).
    backend: str
    #: The seeds every variant runs with.
    seeds: list[int]
    #: The baseline's record; None while the baseline itself has not run.
    baseline: ExperimentRun | None


@dataclass(frozen=True)
class Experimenter(Lab):
    run: RunFolder
    llm: LLMClient
    metric: PrimaryMetric
    max_runs: int
    max_attempts: int
    search: SearchMode
    tree: TreeSettings
