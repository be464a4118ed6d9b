"""The LangGraph workflow: the graph, its state and checkpoints, and the runner that drives it.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "checkpointer": ["verify_checkpoints"],
        "runner": ["RunEnd", "execute"],
        "services": ["effective_parallel", "make_sandbox"],
    },
)

if TYPE_CHECKING:
    from agents.workflow.checkpointer import verify_checkpoints as verify_checkpoints
    from agents.workflow.runner import RunEnd as RunEnd
    from agents.workflow.runner import (
        execute as execute,
    )
    from agents.workflow.services import effective_parallel as effective_parallel
    from agents.workflow.services import make_sandbox as make_sandbox
