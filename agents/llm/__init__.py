"""The LLM layer: every call goes through litellm, tagged with the agent role that made it."""

from agents.llm.client import LLMClient, ModelSettings

__all__ = ["LLMClient", "ModelSettings"]
