"""The LLM layer: every call goes through litellm (the offline model in-process), tagged
with the agent role that made it.
"""

from typing import TYPE_CHECKING

import lazy_loader

from agents.llm.runtime import quiet_environment as quiet_environment

quiet_environment()  # first: any module of this package, imported later, may import litellm

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "capabilities": ["resolve_structured"],
        "client": ["Completion", "LLMClient", "current_stage"],
        "copies": ["NEAR", "copied_line", "shingles", "words"],
        "faults": ["Fault", "classify"],
        "gate": ["current_branch"],
        "replies": ["ReplyError", "example_json", "fenced_blocks", "read_json", "strip_thinking"],
        "runtime": [
            "OFFLINE_MODEL", "is_offline_model", "litellm", "offline_cost", "quiet_environment",
        ],
        "server_models": ["with_server_model"],
        "transcripts": ["CallRecord", "Transcripts", "file_for", "read_calls"],
    },
)

if TYPE_CHECKING:
    from agents.llm.capabilities import resolve_structured as resolve_structured
    from agents.llm.client import (
        Completion as Completion,
    )
    from agents.llm.client import (
        LLMClient as LLMClient,
    )
    from agents.llm.client import (
        current_stage as current_stage,
    )
    from agents.llm.copies import (
        NEAR as NEAR,
    )
    from agents.llm.copies import (
        copied_line as copied_line,
    )
    from agents.llm.copies import (
        shingles as shingles,
    )
    from agents.llm.copies import (
        words as words,
    )
    from agents.llm.faults import Fault as Fault
    from agents.llm.faults import classify as classify
    from agents.llm.gate import current_branch as current_branch
    from agents.llm.replies import (
        ReplyError as ReplyError,
    )
    from agents.llm.replies import (
        example_json as example_json,
    )
    from agents.llm.replies import (
        fenced_blocks as fenced_blocks,
    )
    from agents.llm.replies import (
        read_json as read_json,
    )
    from agents.llm.replies import (
        strip_thinking as strip_thinking,
    )
    from agents.llm.runtime import (
        OFFLINE_MODEL as OFFLINE_MODEL,
    )
    from agents.llm.runtime import (
        is_offline_model as is_offline_model,
    )
    from agents.llm.runtime import (
        litellm as litellm,
    )
    from agents.llm.runtime import (
        offline_cost as offline_cost,
    )
    from agents.llm.runtime import (
        quiet_environment as quiet_environment,
    )
    from agents.llm.server_models import with_server_model as with_server_model
    from agents.llm.transcripts import (
        CallRecord as CallRecord,
    )
    from agents.llm.transcripts import (
        Transcripts as Transcripts,
    )
    from agents.llm.transcripts import (
        file_for as file_for,
    )
    from agents.llm.transcripts import (
        read_calls as read_calls,
    )
