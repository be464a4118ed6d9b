"""Compute said before the run: the baseline's time, measured once, against what the plan needs
and the template's limits.

The time of one baseline job (one seed of the unmodified template) is measured by ``aisci
template check --run`` or by a run's baseline, and kept in aisci's cache under a hash of the
template's code, so it is measured once per version of the code. ``plan_compute`` turns it into
what the planned experiments take on this machine (every variant costs about what the
baseline costs) and names each limit with where it comes from (template.toml, ``--timeout``,
or aisci's default when the template sets none), warning when one job would not fit.

    >>> plan = plan_compute(template, settings, load_timing(template.path), parallel=2)
    >>> print("\\n".join(plan.lines()))
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from agents.config import RunSettings, SearchMode
from agents.domain import FinalInfo
from agents.templates import Template
from sandbox import cache_dir

CODE_SUFFIXES = (".py", ".txt", ".toml", ".json", ".cfg", ".yaml", ".yml")
#: Room a timeout should leave above the baseline's time (variants vary).
HEADROOM = 1.5


class BaselineTiming(BaseModel):
    """One baseline job of a version of a template's code, as measured."""

    model_config = ConfigDict(frozen=True)

    seconds: float
    verdict: str
    by: str  # what measured it: "aisci template check --run", "the baseline of run <id>"
    at: str  # when (UTC, ISO 8601)
    image: str | None = None
    final_info: FinalInfo | None = None  # what it reported (the metric's candidates)


class ComputePlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    timing: BaselineTiming | None
    jobs: int  # experiment jobs the plan needs at the least (every run succeeding at once)
    baseline_jobs: int
    parallel: int
    limits: dict[str, str]  # name -> "600 s (aisci's default: ...)"
    warnings: list[str]

    @property
    def total_s(self) -> float | None:
        if self.timing is None:
            return None
        return math.ceil((self.jobs + self.baseline_jobs) / self.parallel) * self.timing.seconds

    def lines(self) -> list[str]:
        limits = ", ".join(f"{k} {v}" for k, v in self.limits.items())
        base = (f" and {self.baseline_jobs} baseline job{'s' if self.baseline_jobs != 1 else ''}"
                if self.baseline_jobs else "")
        plan = f"the plan needs {self.jobs} experiment jobs{base}, {self.parallel} at a time"
        if self.timing is None:
            first = (f"Compute: {plan}; the baseline's time is not measured yet (`aisci template "
                     f"check --run` measures it; the run's baseline measures it first).")
        else:
            total = self.total_s or 0.0
            first = (f"Compute: one baseline job took {_duration(self.timing.seconds)} "
                     f"(measured by {self.timing.by}, {self.timing.at[:16].replace('T', ' ')} "
                     f"UTC); {plan}: about {_duration(total)} on this machine, more for each "
                     f"failed try.")
        return [first, f"Limits per job: {limits}.", *self.warnings]


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def code_digest(folder: Path) -> str:
    """A hash of the template's code and settings (not its results, figures or papers)."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or path.suffix not in CODE_SUFFIXES or \
                rel.parts[0].startswith(("run_", ".", "latex")) or "__pycache__" in rel.parts:
            continue
        h.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:24]


def timing_path(folder: Path) -> Path:
    return cache_dir() / "baseline-timings" / f"{code_digest(folder)}.json"


def load_timing(folder: Path) -> BaselineTiming | None:
    path = timing_path(folder)
    try:
        return BaselineTiming.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return None


def save_timing(folder: Path, seconds: float, *, verdict: str, by: str,
                image: str | None = None, final_info: FinalInfo | None = None) -> BaselineTiming:
    timing = BaselineTiming(seconds=round(seconds, 2), verdict=verdict, by=by, image=image,
                            at=datetime.now(UTC).isoformat(timespec="seconds"),
                            final_info=final_info)
    path = timing_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(timing.model_dump_json(indent=1), encoding="utf-8")
    partial.replace(path)
    return timing


def limit_sources(template: Template) -> dict[str, str]:
    """Each limit that matters for time, with where it comes from."""
    limits = template.limits

    def source(name: str) -> str:
        where = template.limits_from.get(name)
        return f"({where})" if where else "(aisci's default: the template sets none)"

    return {"timeout": f"{limits.timeout_s:g} s {source('timeout_s')}",
            "memory": f"{limits.memory_mb} MB {source('memory_mb')}",
            "CPUs": f"{limits.cpus:g} {source('cpus')}",
            "GPUs": f"{limits.gpus} {source('gpus')}"}


def plan_compute(template: Template, settings: RunSettings, timing: BaselineTiming | None, *,
                 parallel: int, baseline_done: bool = False) -> ComputePlan:
    """What the run's plan needs against the template's limits."""
    seeds = settings.seeds if template.seed.possible else 1
    runs = settings.tree.max_nodes if settings.search == SearchMode.tree else \
        (settings.max_runs or template.max_runs)
    jobs = settings.num_ideas * runs * seeds
    warnings = []
    timeout = template.limits.timeout_s
    if timing is not None and timing.verdict == "timeout":
        warnings.append(f"The baseline did not finish within {_duration(timing.seconds)}: "
                        f"every run would time out. Pass --timeout with more seconds (or make "
                        f"the template's experiment smaller).")
    elif timing is not None and timing.seconds * HEADROOM > timeout:
        need = math.ceil(timing.seconds * HEADROOM / 60) * 60
        warnings.append(f"A job may run {timeout:g} s and the baseline alone took "
                        f"{timing.seconds:.0f} s: variants that run a little longer will time "
                        f"out. Pass --timeout {need} (or set [limits] timeout_s in "
                        f"template.toml).")
    return ComputePlan(timing=timing, jobs=jobs, baseline_jobs=0 if baseline_done else seeds,
                       parallel=max(1, parallel), limits=limit_sources(template),
                       warnings=warnings)
