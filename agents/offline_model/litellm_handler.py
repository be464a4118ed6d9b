"""The offline model as litellm's ``mock`` provider, for code that calls litellm itself (the
client calls the model in-process: ``agents/llm/backends.py``)."""

from __future__ import annotations

from typing import Any

from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from agents.offline_model.model import answer, count_tokens, prompt_tokens


class OfflineModel(CustomLLM):
    """litellm handler for the ``mock`` provider."""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        text = answer(messages)
        asked, told = prompt_tokens(messages), count_tokens(text)
        model_response = kwargs.get("model_response") or ModelResponse()
        model_response.model = model
        model_response.choices = [
            Choices(index=0, finish_reason="stop", message=Message(role="assistant", content=text))
        ]
        model_response.usage = Usage(  # type: ignore[union-attr]
            prompt_tokens=asked, completion_tokens=told, total_tokens=asked + told,
        )
        return model_response

    async def acompletion(
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> ModelResponse:
        return self.completion(model, messages, *args, **kwargs)
