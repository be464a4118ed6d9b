"""A run's shared services: its folder and records, the job runner, the health checks, cost
and estimate, the TeX compile and the report.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "cluster_check": ["check_cluster"],
        "compute": ["load_timing", "plan_compute", "save_timing"],
        "context": ["BASELINE_RECORD", "RunContext"],
        "cost": ["CostLedger"],
        "estimate": ["run_estimate"],
        "exposure_check": ["check_ray_exposure", "limit_caps_check"],
        "folder": [
            "RunFolder", "atomic_write_json", "atomic_write_text", "read_events", "read_json",
            "write_no_follow",
        ],
        "jobs": ["JobOutcome", "JobRunner"],
        "model_check": ["check_key_routing", "missing_keys"],
        "preflight": ["blocking_failures", "run_checks"],
        "record": ["Timings", "read_run_record", "try_read_run_record", "write_run_record"],
        "report": ["write_report"],
        "resume_guard": ["rederive", "resume_flags", "unsafe_warnings"],
        "safe_files": [
            "copy_file", "copy_tree", "read_for_prompt", "read_json_regular", "regular_files",
        ],
        "summary": ["IdeaSummary", "RunSummary", "load_summary", "short_id"],
        "tex": ["NO_TEX", "Tex"],
        "tracking": ["default_tracking_uri", "log_run", "require_mlflow"],
    },
)

if TYPE_CHECKING:
    from agents.run.cluster_check import check_cluster as check_cluster
    from agents.run.compute import (
        load_timing as load_timing,
    )
    from agents.run.compute import (
        plan_compute as plan_compute,
    )
    from agents.run.compute import (
        save_timing as save_timing,
    )
    from agents.run.context import BASELINE_RECORD as BASELINE_RECORD
    from agents.run.context import RunContext as RunContext
    from agents.run.cost import CostLedger as CostLedger
    from agents.run.estimate import run_estimate as run_estimate
    from agents.run.exposure_check import (
        check_ray_exposure as check_ray_exposure,
    )
    from agents.run.exposure_check import (
        limit_caps_check as limit_caps_check,
    )
    from agents.run.folder import (
        RunFolder as RunFolder,
    )
    from agents.run.folder import (
        atomic_write_json as atomic_write_json,
    )
    from agents.run.folder import (
        atomic_write_text as atomic_write_text,
    )
    from agents.run.folder import (
        read_events as read_events,
    )
    from agents.run.folder import (
        read_json as read_json,
    )
    from agents.run.folder import (
        write_no_follow as write_no_follow,
    )
    from agents.run.jobs import JobOutcome as JobOutcome
    from agents.run.jobs import JobRunner as JobRunner
    from agents.run.model_check import (
        check_key_routing as check_key_routing,
    )
    from agents.run.model_check import (
        missing_keys as missing_keys,
    )
    from agents.run.preflight import (
        blocking_failures as blocking_failures,
    )
    from agents.run.preflight import (
        run_checks as run_checks,
    )
    from agents.run.record import (
        Timings as Timings,
    )
    from agents.run.record import (
        read_run_record as read_run_record,
    )
    from agents.run.record import (
        try_read_run_record as try_read_run_record,
    )
    from agents.run.record import (
        write_run_record as write_run_record,
    )
    from agents.run.report import write_report as write_report
    from agents.run.resume_guard import (
        rederive as rederive,
    )
    from agents.run.resume_guard import (
        resume_flags as resume_flags,
    )
    from agents.run.resume_guard import (
        unsafe_warnings as unsafe_warnings,
    )
    from agents.run.safe_files import (
        copy_file as copy_file,
    )
    from agents.run.safe_files import (
        copy_tree as copy_tree,
    )
    from agents.run.safe_files import (
        read_for_prompt as read_for_prompt,
    )
    from agents.run.safe_files import (
        read_json_regular as read_json_regular,
    )
    from agents.run.safe_files import (
        regular_files as regular_files,
    )
    from agents.run.summary import (
        IdeaSummary as IdeaSummary,
    )
    from agents.run.summary import (
        RunSummary as RunSummary,
    )
    from agents.run.summary import (
        load_summary as load_summary,
    )
    from agents.run.summary import (
        short_id as short_id,
    )
    from agents.run.tex import NO_TEX as NO_TEX
    from agents.run.tex import Tex as Tex
    from agents.run.tracking import (
        default_tracking_uri as default_tracking_uri,
    )
    from agents.run.tracking import (
        log_run as log_run,
    )
    from agents.run.tracking import (
        require_mlflow as require_mlflow,
    )
