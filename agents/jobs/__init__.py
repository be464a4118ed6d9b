"""Sandbox jobs of a run: the job runner (a concurrency gate, a content cache, one event per
job) and the compute plan built from the baseline's timing.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "compute": ["load_timing", "plan_compute", "save_timing"],
        "runner": ["JobOutcome", "JobRunner"],
    },
)

if TYPE_CHECKING:
    from agents.jobs.compute import load_timing as load_timing
    from agents.jobs.compute import plan_compute as plan_compute
    from agents.jobs.compute import save_timing as save_timing
    from agents.jobs.runner import JobOutcome as JobOutcome
    from agents.jobs.runner import JobRunner as JobRunner
