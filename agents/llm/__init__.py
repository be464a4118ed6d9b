"""The LLM layer: every call goes through litellm (the offline model in-process), tagged
with the agent role that made it."""

from agents.llm.runtime import quiet_environment

quiet_environment()  # first: any submodule below may import litellm

from agents.config.settings import ModelSettings  # noqa: E402
from agents.llm.client import LLMClient  # noqa: E402

__all__ = ["LLMClient", "ModelSettings"]
