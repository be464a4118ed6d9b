"""What answers a model call: litellm for every real model, the offline model in-process.

Both give the client the same surface (``acompletion(**kwargs)``, ``completion_cost``, the
exception classes the retries and the client catch), so an offline call goes through the same
retries, repairs, transcripts, token counts and cost as a hosted one. The offline model needs
no litellm: importing it costs about 3 s of CPU, a third of an offline run's once-per-run part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.llm.runtime import is_offline_model, litellm, offline_cost


class OfflineModelError(Exception):
    """Never raised by the offline model; stands for each kind of fault a provider raises."""


@dataclass(frozen=True)
class Message:
    content: str
    role: str = "assistant"


@dataclass(frozen=True)
class Choice:
    message: Message
    finish_reason: str = "stop"
    index: int = 0


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Response:
    """A chat completion in the shape litellm returns one."""

    model: str
    choices: list[Choice]
    usage: Usage


class OfflineBackend:
    """The offline model behind litellm's calling surface."""

    BadRequestError = RateLimitError = InternalServerError = ServiceUnavailableError = \
        BadGatewayError = APIConnectionError = Timeout = OfflineModelError

    #: the client names the task of every call to this backend (``task=``)
    takes_task = True

    async def acompletion(self, *, model: str, messages: list[dict[str, Any]],
                          task: str | None = None, facts: dict[str, str] | None = None,
                          **_: Any) -> Response:
        from agents.offline_model import answer, count_tokens, prompt_tokens

        text = answer(messages, task, facts)
        return Response(model=model, choices=[Choice(message=Message(content=text))],
                        usage=Usage(prompt_tokens(messages), count_tokens(text)))

    @staticmethod
    def completion_cost(*, completion_response: Response) -> float:
        usage = completion_response.usage
        return offline_cost(usage.prompt_tokens, usage.completion_tokens)


OFFLINE = OfflineBackend()


def backend_for(model: str) -> Any:
    """What answers ``model``: the offline model, or litellm (imported on the first real call)."""
    return OFFLINE if is_offline_model(model) else litellm()
