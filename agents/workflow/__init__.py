"""The LangGraph workflow: the graph, its state and checkpoints, and the runner that drives it.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "checkpointer": ["verify_checkpoints"],
        "runner": ["effective_parallel", "execute", "make_sandbox", "pending_approval"],
    },
)

if TYPE_CHECKING:
    from agents.workflow.checkpointer import verify_checkpoints as verify_checkpoints
    from agents.workflow.runner import (
        effective_parallel as effective_parallel,
    )
    from agents.workflow.runner import (
        execute as execute,
    )
    from agents.workflow.runner import (
        make_sandbox as make_sandbox,
    )
    from agents.workflow.runner import (
        pending_approval as pending_approval,
    )
