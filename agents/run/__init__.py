"""A run's folder and its records: the folder and its safe file I/O, run.json, what resume
may take from it, and the context every node of the graph reaches.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "context": ["BASELINE_RECORD", "RunContext"],
        "folder": [
            "RunFolder", "atomic_write_json", "atomic_write_text", "read_events", "read_json",
            "write_no_follow",
        ],
        "record": [
            "RunRecord",
            "RunRecordError", "Timings", "parse_run_record", "read_run_record",
            "try_read_run_record", "write_run_record",
        ],
        "resume_guard": ["rederive", "resume_flags", "unsafe_warnings"],
        "safe_files": [
            "copy_file", "copy_tree", "read_for_prompt", "read_json_regular", "read_regular",
            "regular_files",
        ],
    },
)

if TYPE_CHECKING:
    from agents.run.context import BASELINE_RECORD as BASELINE_RECORD
    from agents.run.context import RunContext as RunContext
    from agents.run.folder import RunFolder as RunFolder
    from agents.run.folder import atomic_write_json as atomic_write_json
    from agents.run.folder import atomic_write_text as atomic_write_text
    from agents.run.folder import read_events as read_events
    from agents.run.folder import read_json as read_json
    from agents.run.folder import write_no_follow as write_no_follow
    from agents.run.record import RunRecord as RunRecord
    from agents.run.record import RunRecordError as RunRecordError
    from agents.run.record import Timings as Timings
    from agents.run.record import parse_run_record as parse_run_record
    from agents.run.record import read_run_record as read_run_record
    from agents.run.record import try_read_run_record as try_read_run_record
    from agents.run.record import write_run_record as write_run_record
    from agents.run.resume_guard import rederive as rederive
    from agents.run.resume_guard import resume_flags as resume_flags
    from agents.run.resume_guard import unsafe_warnings as unsafe_warnings
    from agents.run.safe_files import copy_file as copy_file
    from agents.run.safe_files import copy_tree as copy_tree
    from agents.run.safe_files import read_for_prompt as read_for_prompt
    from agents.run.safe_files import read_json_regular as read_json_regular
    from agents.run.safe_files import read_regular as read_regular
    from agents.run.safe_files import regular_files as regular_files
