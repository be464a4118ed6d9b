"""The built-in offline model (``mock/...``): a plugin the LLM client loads for ``mock`` and
calls in-process (``agents.llm.backends``); it needs nothing of the client. ``OfflineModel``
registers it with litellm as the ``mock`` provider, for code that calls litellm directly.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "litellm_handler": ["OfflineModel"],
        "model": ["answer", "count_tokens", "prompt_tokens"],
    },
)

if TYPE_CHECKING:
    from agents.offline_model.litellm_handler import OfflineModel as OfflineModel
    from agents.offline_model.model import answer as answer
    from agents.offline_model.model import count_tokens as count_tokens
    from agents.offline_model.model import prompt_tokens as prompt_tokens
