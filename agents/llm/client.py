"""Every model call of the agents: litellm underneath (the offline model in-process, on the
same path), a role and a task on top.

One retry layer per kind of fault:

- transient faults (429, 5xx, timeouts, refused connections) are retried ``num_retries``
  times with exponential backoff and jitter, honouring Retry-After (``agents.llm.retries``);
  litellm's and the openai SDK's own retries are off (stacked, they made up to 2N+1 requests);
- a reply cut off at ``max_tokens`` is asked again with twice the room (up to a cap);
- a reply that cannot be read (``ask``'s parser raises ``ReplyError``) gets a bounded repair:
  the model sees its last answer and what was wrong with it (``agents.llm.repair``). The repair
  conversation is always the original one plus that single exchange, so it never grows with
  the rounds, and it never holds an empty assistant message.

Structured answers (``structured``) use constrained decoding where the server offers it (the
role's resolved ``StructuredMode``, see ``agents.llm.capabilities``) and always show a filled
example of the answer, never a raw JSON schema. Each request becomes an event with its role,
stage, task, tokens and cost, and, given ``transcripts``, a record of its messages and reply
that the event links to (``agents.llm.transcripts``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar

from agents.config import DEFAULT_TEMPERATURES, ModelSettings, StructuredMode, redact, redact_url
from agents.domain import (
    EventBase,
    LLMAsk,
    LLMCall,
    LLMCallFailed,
    LLMInvalid,
    LLMSalvaged,
    LLMTruncated,
    ReplyModel,
    StructuredDowngrade,
)
from agents.errors import LLMError, StructuredOutputError
from agents.llm.backends import backend_for
from agents.llm.copies import copied_answer, copied_text, without_copies
from agents.llm.faults import classify
from agents.llm.gate import HOLD_S, AffinityGate, current_branch
from agents.llm.repair import append_text, facts_of, repair_conversation, try_parse
from agents.llm.replies import ReplyError, cut_off_prose, example_json, read_fenced, read_json
from agents.llm.retries import with_retries
from agents.llm.runtime import is_offline_model, litellm
from agents.llm.schemas import strict_schema
from agents.llm.transcripts import CallRecord, Transcripts

T = TypeVar("T")
R = TypeVar("R", bound=ReplyModel)

EventSink = Callable[[EventBase], None]
#: A truncated reply is asked again with twice the room, up to this many tokens.
MAX_TOKENS_CAP = 32_768
#: A JSON answer is small data: it starts with this much room (never more than the setting).
#: A weak model that loops inside a list is stopped early instead of at the full budget.
STRUCTURED_MAX_TOKENS = 1024
#: A section or a file edit starts with this much: a looping reply ends in minutes, not at the
#: full budget past the request timeout (a cut-off reply is asked again with more room).
PROSE_MAX_TOKENS = 2048

#: The stage that calls made in this task belong to (set by the workflow per node and step).
current_stage: ContextVar[str] = ContextVar("aisci_stage", default="setup")


class Completion(NamedTuple):
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


def json_instruction(model: type[ReplyModel]) -> str:
    return ("\n\nReply with one JSON object in this form, with your own values (the values "
            "below only show the form):\n```json\n" + example_json(model) + "\n```")


#: What a prompt that already shows an answer in the form asks for (no second example).
SAME_FORM = "\n\nReply with one JSON object in the same form as the one above."


class LLMClient:
    """Role-aware access to models, with repairs, constrained decoding and cost events."""

    def __init__(self, models: Mapping[str, ModelSettings], *, default: ModelSettings,
                 on_event: EventSink | None = None, repair_attempts: int = 2,
                 transcripts: Transcripts | None = None) -> None:
        self.models = dict(models)
        self.transcripts = transcripts
        self.default = default
        self.on_event = on_event or (lambda _e: None)
        self.repair_attempts = repair_attempts
        self.spent_usd = 0.0
        self._gates: dict[tuple[str, str | None], AffinityGate] = {}
        self._no_response_format: set[tuple[str, str | None]] = set()

    def settings_for(self, role: str) -> ModelSettings:
        return self.models.get(role, self.default)

    def accepts_images(self, role: str) -> bool:
        """Does ``role``'s model take images? (The offline model reads only the text.)"""
        model = self.settings_for(role).model
        if is_offline_model(model):
            return False
        try:
            return bool(litellm().supports_vision(model=model))
        except Exception:  # unknown to litellm: send text only
            return False

    # --- asking ---------------------------------------------------------------------------

    async def ask(self, role: str, task: str, messages: list[dict[str, Any]],
                  parse: Callable[[str], T], *, what: str = "answer",
                  response_format: dict[str, Any] | None = None, repair_hint: str = "",
                  settings: ModelSettings | None = None, max_tokens: int | None = None,
                  salvage: Callable[[str], tuple[T] | None] | None = None,
                  last_resort: Callable[[str], tuple[T] | None] | None = None,
                  facts: dict[str, str] | None = None) -> T:
        """Ask until ``parse`` accepts the reply: bounded repairs, more room when cut off.

        ``max_tokens``: the first try's room (default: the setting). ``salvage``: what of a
        reply cut off by the limit is still usable (a JSON list cut short, prose up to its last
        sentence), as a 1-tuple, or None; what it salvages is taken. ``last_resort``: what of
        the last reply is usable once the repairs are spent (an answer without the sentences it
        copied), recorded as such (event ``llm_salvaged``). ``facts``: the rendered prompt's
        (``agents.prompts.Prompt``), when ``messages`` no longer carries them."""
        facts = facts if facts is not None else facts_of(messages)
        settings = settings or self.settings_for(role)
        max_tokens = max_tokens or settings.max_tokens
        convo = messages
        error = ""
        repairs = tries = 0
        purpose = "first"

        def asked(ok: bool) -> None:  # one event per question: how many tries it took
            self.on_event(LLMAsk(role=role, task=task, tries=tries, repairs=repairs, ok=ok))

        while True:
            tries += 1
            done = await self.complete(role, task, convo, settings=settings,
                                       response_format=response_format, max_tokens=max_tokens,
                                       purpose=purpose, facts=facts)
            if done.finish_reason == "length":
                salvaged = salvage(done.text) if salvage else None
                self.on_event(LLMTruncated(role=role, task=task, max_tokens=max_tokens,
                                           used=salvaged is not None))
                if salvaged is not None:
                    asked(True)
                    return salvaged[0]
                if max_tokens < MAX_TOKENS_CAP:
                    max_tokens = min(MAX_TOKENS_CAP, max_tokens * 2)
                    purpose = f"more room (cut off; max_tokens {max_tokens})"
                    continue
                error = f"the reply was cut off at max_tokens={max_tokens}"
            else:
                try:
                    answer = parse(done.text)
                except ReplyError as exc:
                    error = str(exc)
                else:
                    asked(True)
                    return answer
            self.on_event(LLMInvalid(role=role, task=task, attempt=repairs + 1,
                                     errors=error[:500], reply=redact(done.text[:400])))
            if repairs >= self.repair_attempts:
                kept = last_resort(done.text) if last_resort and done.finish_reason != "length" \
                    else None
                if kept is not None:
                    self.on_event(LLMSalvaged(role=role, task=task, problem=error[:300]))
                    asked(True)
                    return kept[0]
                break
            repairs += 1
            purpose = f"repair {repairs}"
            convo = repair_conversation(messages, done.text, error, repair_hint)
        asked(False)
        raise StructuredOutputError(
            f"The {role} model ({settings.model}) gave no usable {what} in {repairs + 1} tries "
            f"(last problem: {error[:300]}). Try a stronger model for --{role}-model, or a "
            f"larger --max-tokens if replies are cut off.", problem=error)

    async def structured(self, role: str, task: str, messages: list[dict[str, Any]],
                         schema: type[R], *, check: Callable[[R], None] | None = None,
                         shown: bool = False) -> R:
        """An answer that validates as ``schema``: constrained where the server can, an
        example in the prompt (unless ``shown``: the prompt already holds an answer in this
        form, the one to check or refine), lenient reading, bounded repair. ``check`` may
        reject a valid answer for what the schema cannot say (``ReplyError``, read by the
        model). An answer that copies the example is refused (``agents.llm.copies``)."""
        settings = self.settings_for(role)
        ask = SAME_FORM if shown else json_instruction(schema)
        convo = [*messages[:-1], append_text(messages[-1], ask)]

        def parse(text: str) -> R:
            answer = read_json(text, schema)
            copied = copied_answer(answer, schema.example())
            if copied:  # well formed, but not the model's own answer
                raise ReplyError(copied)
            if check is not None:
                check(answer)
            return answer

        return await self.ask(role, task, convo, parse, facts=facts_of(messages),
                              what=f"JSON answer ({schema.__name__})",
                              response_format=self.response_format(settings, schema),
                              repair_hint="Reply again with only the corrected JSON object, in "
                                          "the form shown above.",
                              max_tokens=min(settings.max_tokens, STRUCTURED_MAX_TOKENS),
                              salvage=lambda text: try_parse(parse, text),
                              last_resort=lambda text: self._own_part(text, schema, check))

    @staticmethod
    def _own_part(text: str, schema: type[R], check: Callable[[R], None] | None) -> tuple[R] | None:
        """The last reply without what it copied of the example (``without_copies``), when
        that is still a valid answer."""
        try:
            answer = without_copies(read_json(text, schema), schema.example())
            if not isinstance(answer, schema):
                return None
            if check is not None:
                check(answer)
        except ReplyError:
            return None
        return (answer,)

    async def prose(self, role: str, task: str, messages: list[dict[str, Any]], *,
                    languages: tuple[str, ...] = (), check: Callable[[str], str] | None = None,
                    what: str = "text", max_tokens: int | None = None) -> str:
        """Plain text in one fenced block (``languages`` preferred); ``check`` may reject it
        (raise ``ReplyError``) or return it cleaned. A reply cut off by the token limit
        (``max_tokens``, at most the setting) is kept up to its last complete sentence."""

        def parse(text: str) -> str:
            body = read_fenced(text, languages)
            copied = copied_text(body)
            if copied:
                raise ReplyError(f"the text copies {copied}; write your own text for this task")
            return check(body) if check else body

        def salvage(text: str) -> tuple[str] | None:
            body = cut_off_prose(text, languages)
            if body is None or copied_text(body):
                return None
            try:
                return (check(body) if check else body,)
            except ReplyError:
                return None

        fence = languages[0] if languages else ""
        room = min(self.settings_for(role).max_tokens, max_tokens or PROSE_MAX_TOKENS)
        return await self.ask(role, task, messages, parse, what=what, max_tokens=room,
                              salvage=salvage,
                              repair_hint=f"Reply again with the corrected text in one "
                                          f"```{fence} block.")

    def response_format(self, settings: ModelSettings,
                        schema: type[ReplyModel]) -> dict[str, Any] | None:
        """What constrains decoding for this model, if anything (never for ``prompt``)."""
        if (settings.model, settings.api_base) in self._no_response_format:
            return None
        mode = settings.structured
        if mode in (StructuredMode.prompt, StructuredMode.auto) and not is_offline_model(settings.model):
            return None
        if mode == StructuredMode.json:
            return {"type": "json_object"}
        body = strict_schema(schema)
        if settings.schema_via == "json_object":  # llama-cpp-python's dialect
            return {"type": "json_object", "schema": body}
        return {"type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": body, "strict": True}}

    # --- one request ----------------------------------------------------------------------

    def _gate(self, settings: ModelSettings) -> AffinityGate:
        """One gate per model and server; a local server's gate keeps slots for their branch."""
        key = (settings.model, settings.api_base)
        if key not in self._gates:
            self._gates[key] = AffinityGate(settings.max_concurrency,
                                            hold_s=HOLD_S if settings.api_base else 0.0)
        return self._gates[key]

    async def complete(self, role: str, task: str, messages: list[dict[str, Any]], *,
                       settings: ModelSettings | None = None,
                       response_format: dict[str, Any] | None = None,
                       max_tokens: int | None = None, num_retries: int | None = None,
                       downgrade: bool = True, purpose: str = "first",
                       facts: dict[str, str] | None = None) -> Completion:
        """One chat completion (transient faults retried); ``LLMError`` when it fails for good.

        With ``downgrade``, a server that refuses ``response_format`` is asked again without
        it, and never sent one again in this client. ``purpose`` (a first try, a repair, more
        room) goes into the call's transcript.
        """
        settings = settings or self.settings_for(role)
        llm = backend_for(settings.model)
        kwargs: dict[str, Any] = {
            "model": settings.model, "messages": messages, "timeout": settings.timeout_s,
            "num_retries": 0, "max_retries": 0, "max_tokens": max_tokens or settings.max_tokens,
        }
        if settings.api_base:
            kwargs["api_base"] = settings.api_base
            if settings.model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
                # Local OpenAI-compatible servers often need no key; the openai client insists.
                kwargs["api_key"] = "none"
        temperature = settings.temperature if settings.temperature is not None else \
            DEFAULT_TEMPERATURES.get(role)
        if temperature is not None:
            kwargs["temperature"] = temperature
        if response_format is not None:
            kwargs["response_format"] = response_format
        if getattr(llm, "takes_task", False):  # a model that answers by task (the offline one)
            kwargs["task"] = task
            kwargs["facts"] = facts if facts is not None else facts_of(messages)
        retries = settings.num_retries if num_retries is None else num_retries
        started = time.monotonic()
        # the gate's branch of an idea's novelty check is "novelty:<idea>": the call is the idea's
        idea = current_branch.get().removeprefix("novelty:")
        call = CallRecord(stage=current_stage.get(), idea=idea, role=role,
                          task=task, purpose=purpose, model=settings.model, messages=messages,
                          constrained=response_format is not None)
        async with self._gate(settings).slot():
            try:
                response = await with_retries(llm, kwargs, retries, call.retried)
            except llm.BadRequestError as exc:
                if not downgrade or response_format is None or "response_format" not in str(exc):
                    raise self._failure(role, task, settings, exc, call) from exc
                # The server refuses the schema after all: carry on without constraints.
                self._no_response_format.add((settings.model, settings.api_base))
                self.on_event(StructuredDowngrade(role=role, task=task, model=settings.model,
                                                  error=redact(str(exc)[:200])))
                kwargs.pop("response_format")
                call.retried.append(f"refused response_format: {str(exc)[:200]}")
                call.constrained = False
                try:
                    response = await with_retries(llm, kwargs, retries, call.retried)
                except Exception as again:
                    raise self._failure(role, task, settings, again, call) from again
            except Exception as exc:  # what was retryable has been retried
                raise self._failure(role, task, settings, exc, call) from exc
        usage = getattr(response, "usage", None)
        try:
            cost = float(llm.completion_cost(completion_response=response) or 0.0)
            cost = cost if math.isfinite(cost) and cost >= 0 else 0.0  # a price table's slip
        except Exception:  # no price known for this model (a local server): it costs nothing
            cost = 0.0
        self.spent_usd += cost
        choice = response.choices[0]
        done = Completion(text=str(choice.message.content or ""),
                          finish_reason=str(getattr(choice, "finish_reason", "") or "stop"),
                          # a server's count is its word: below zero counts as none
                          prompt_tokens=max(0, int(getattr(usage, "prompt_tokens", 0) or 0)),
                          completion_tokens=max(0, int(getattr(usage, "completion_tokens", 0)
                                                       or 0)))
        duration = round(time.monotonic() - started, 3)
        link = self._transcribe(call.model_copy(update={
            "reply": done.text, "finish_reason": done.finish_reason,
            "prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens,
            "duration_s": duration}))
        self.on_event(LLMCall(
            stage=current_stage.get(), role=role, task=task, model=settings.model,
            prompt_tokens=done.prompt_tokens, completion_tokens=done.completion_tokens,
            cost_usd=cost, duration_s=duration, finish_reason=done.finish_reason,
            constrained=response_format is not None and "response_format" in kwargs,
            call_id=link.get("call_id"), transcript=link.get("transcript")))
        return done

    def _transcribe(self, call: CallRecord) -> dict[str, str]:
        """Record the call when this client keeps transcripts; the event's link to it."""
        return self.transcripts.record(call) if self.transcripts is not None else {}

    def _failure(self, role: str, task: str, settings: ModelSettings,
                 exc: BaseException, call: CallRecord | None = None) -> LLMError:
        link = self._transcribe(call.model_copy(update={
            "error": f"{type(exc).__name__}: {str(exc)[:500]}",
            "duration_s": round(time.time() - call.ts, 3)})) if call is not None else {}
        fault = classify(exc)
        self.on_event(LLMCallFailed(stage=current_stage.get(), role=role, task=task,
                                    model=settings.model,
                                    error=type(exc).__name__, fault=fault.kind,
                                    call_id=link.get("call_id"), transcript=link.get("transcript")))
        first_line = redact(str(exc).splitlines()[0][:200]).rstrip(".") if str(exc) else ""
        where = redact_url(settings.api_base) if settings.api_base else "its provider"
        told = {"refused": f" Nothing listens at {where} now: is the server still running?",
                "dropped": f" The server at {where} closed the connection without answering: "
                           f"did it crash? (Read its log.)",
                "timeout": f" No answer within {settings.timeout_s:.0f} s (timeout_s)."}
        return LLMError(
            f"The {role} model ({settings.model}) failed: {type(exc).__name__}: {first_line}."
            f"{told.get(fault.kind, '')} Check the model name, its API key and --api-base, or "
            f"run `aisci doctor`.")
