"""Preflight checks of a model: does it answer, how can it be held to a JSON form, and may its
key go where it would be sent? Each failure says how to fix it.

``check_model`` asks the server once (``agents.llm.capabilities``): the same requests tell
whether it answers and whether it constrains structured answers, and the result is kept in
the run's settings so no later call guesses. ``check_key_routing`` makes no call at all: a
provider key is never sent to a server the user did not name (an ``api_base`` from a config
file found on its own).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import NamedTuple
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict

from agents.config.secrets import is_secret_name, redact, redact_url
from agents.config.settings import ModelSettings, StructuredMode
from agents.domain.reply import ReplyModel
from agents.errors import LLMError, StructuredOutputError
from agents.llm.capabilities import resolve_structured
from agents.llm.client import LLMClient
from agents.llm.runtime import is_offline_model, litellm

#: The longest a model check waits for one answer, whatever the run's own timeout.
PING_TIMEOUT_S = 20.0
PING_MESSAGES = [{"role": "user", "content": 'Reply with the JSON object {"answer": "pong"}.'}]
#: How litellm words a refused connection (for openai/ models it raises InternalServerError).
_CONNECTION_PHRASES = ("Connection error", "Cannot connect", "Connect call failed", "Connection refused")
PROVIDER_KEYS = {"openai": ("OPENAI_API_KEY",), "anthropic": ("ANTHROPIC_API_KEY",),
                 "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
#: Where each provider's key belongs.
PROVIDER_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com",
                  "gemini": "generativelanguage.googleapis.com"}
#: Providers whose key has a second accepted name.
_KEY_ALTERNATIVES = {frozenset({"GEMINI_API_KEY", "GOOGLE_API_KEY"}): "GEMINI_API_KEY (or GOOGLE_API_KEY)"}


class Check(BaseModel):
    """The outcome of one preflight check. ``fix`` is one line saying what to do."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True  # a failed blocking check means a run cannot work


class ModelCheck(NamedTuple):
    check: Check
    settings: ModelSettings  # ``structured`` resolved when the check passed


class Pong(ReplyModel):
    answer: str

    @classmethod
    def example(cls) -> Pong:
        return cls(answer="pong")


def provider(model: str) -> str:
    """The provider litellm routes ``model`` to (``gpt-4o`` -> ``openai``)."""
    try:
        return str(litellm().get_llm_provider(model)[1])
    except Exception:  # not a model litellm knows how to route
        return model.split("/", 1)[0]


async def check_model(settings: ModelSettings, *, roles: tuple[str, ...] = (),
                      timeout_s: float = PING_TIMEOUT_S) -> ModelCheck:
    """A few tiny calls, no retries: does this model answer, and how are its JSON answers held
    to their form (constrained decoding, or an example and a lenient reader)?"""
    name = f"model {settings.model}" + (f" ({', '.join(roles)})" if roles else "")
    if is_offline_model(settings.model):  # built in: nothing to reach, nothing to time out
        resolved = await resolve_structured(settings)
        return ModelCheck(Check(name=name, ok=True,
                                detail="the built-in offline model (no network, no key)"), resolved)
    missing = missing_keys(settings)
    if missing and not settings.api_base:  # no call: it could only fail, and costs time
        return ModelCheck(Check(name=name, ok=False, detail=f"{_key_words(missing)} is not set",
                                fix=_key_fix(settings, missing)), settings)
    quick = settings.model_copy(update={"timeout_s": min(settings.timeout_s, timeout_s),
                                        "num_retries": 0})
    client = LLMClient({}, default=quick, repair_attempts=1)
    started = time.monotonic()
    try:
        resolved = await asyncio.wait_for(resolve_structured(quick, client),
                                          timeout=4 * quick.timeout_s + 5)
        if resolved.structured == StructuredMode.prompt:
            await asyncio.wait_for(client.structured("doctor", "ping", PING_MESSAGES, Pong),
                                   timeout=2 * quick.timeout_s + 5)
    except StructuredOutputError as exc:
        errors = str(exc).partition("(last problem: ")[2].rsplit(")", 1)[0]
        return ModelCheck(Check(
            name=name, ok=False, detail=redact(f"no valid JSON answer to a ping in 2 tries ({errors})"),
            fix=f"{settings.model} answers but not with valid JSON: use a stronger model "
                f"(--model, or a per-role model)."), settings)
    except (LLMError, TimeoutError) as exc:
        cause = exc.__cause__ or exc
        first = str(cause).splitlines()[0][:300] if str(cause) else "no answer in time"
        return ModelCheck(Check(name=name, ok=False, detail=redact(f"{type(cause).__name__}: {first}"),
                                fix=_fix_for(cause, settings, quick.timeout_s, missing)), settings)
    where = f" at {redact_url(settings.api_base)}" if settings.api_base else ""
    how = {StructuredMode.schema: f"constrained to a JSON schema ({resolved.schema_via})",
           StructuredMode.json: "constrained to JSON", StructuredMode.prompt:
           "not constrained (an example in the prompt, read leniently)"}[resolved.structured]
    final = resolved.model_copy(update={"timeout_s": settings.timeout_s,
                                        "num_retries": settings.num_retries,
                                        "max_tokens": settings.max_tokens})
    return ModelCheck(Check(name=name, ok=True,
                            detail=f"answered{where} in {time.monotonic() - started:.1f} s; "
                                   f"structured answers {how}"), final)


def missing_keys(settings: ModelSettings) -> list[str]:
    """The key variables litellm needs for this model and does not find (no call is made)."""
    if is_offline_model(settings.model):
        return []
    try:
        report = litellm().validate_environment(model=settings.model, api_base=settings.api_base)
    except Exception:  # an unknown provider: the call itself will tell
        return []
    missing = [str(k) for k in report.get("missing_keys", [])]
    # Only secrets: a missing *_API_BASE has a default (Ollama's localhost) or comes from --api-base.
    return [k for k in missing if is_secret_name(k)]


def check_key_routing(settings: ModelSettings, *, confirmed: bool) -> Check | None:
    """A failed check when a provider key would be sent to a server the user did not name."""
    if not settings.api_base or confirmed or is_offline_model(settings.model):
        return None
    name = provider(settings.model)
    keys = [k for k in PROVIDER_KEYS.get(name, (f"{name.upper()}_API_KEY",)) if os.environ.get(k)]
    host = urlparse(settings.api_base).hostname or ""
    if not keys or host == PROVIDER_HOSTS.get(name):
        return None
    where = redact_url(settings.api_base)
    return Check(name=f"key routing ({settings.model})", ok=False,
                 detail=f"api_base {where} comes from a config file you did not pass with "
                        f"--config, and {keys[0]} would be sent there",
                 fix=f"pass --api-base {where} (or --config <file>) to confirm the server, or "
                     f"remove api_base from that file")


def _fix_for(exc: BaseException, settings: ModelSettings, timeout_s: float,
             missing: list[str]) -> str:
    llm = litellm()
    base = redact_url(settings.api_base) if settings.api_base else None
    if isinstance(exc, llm.AuthenticationError):
        return _key_fix(settings, missing)
    if isinstance(exc, llm.Timeout | TimeoutError):
        if base:
            return (f"The server at {base} did not answer within {timeout_s:.0f} s: check that it "
                    f"is running and that --api-base is right, or raise timeout_s.")
        return "The provider did not answer in time: check the network, or raise timeout_s."
    if isinstance(exc, llm.APIConnectionError) or any(p in str(exc) for p in _CONNECTION_PHRASES):
        if base:
            return (f"Nothing answers at {base}: start the model server, or fix --api-base "
                    f"(OpenAI-compatible servers usually end in /v1).")
        return ("The model's server cannot be reached: start it (e.g. `ollama serve`), check the "
                "network or proxy, or pass --api-base.")
    if missing:  # e.g. the openai client refuses to send a request without any key
        return _key_fix(settings, missing)
    if isinstance(exc, llm.NotFoundError | llm.BadRequestError):
        return (f"Check the model name {settings.model!r}: litellm's provider/model form, e.g. "
                f"openai/<name the server serves> with --api-base.")
    if isinstance(exc, llm.RateLimitError):
        return "The provider rate-limits this key or its quota is spent: wait, or check the plan."
    where = f" or the server at {base} (--api-base)" if base else ""
    return f"Check the model name{where}; --model mock runs the offline model."


def _key_fix(settings: ModelSettings, missing: list[str]) -> str:
    if not missing:
        name = provider(settings.model)
        var = PROVIDER_KEYS.get(name, (f"{name.upper()}_API_KEY (or the variable litellm names "
                                       f"for {name})",))[0]
        return f"The key was rejected: export a valid {var}."
    what = _key_words(missing)
    if settings.api_base:
        return (f"export {what}=<key> (any non-empty value if the server at "
                f"{redact_url(settings.api_base)} needs no key).")
    return (f"export {what}=<your key>, or pick another model (--model; --model mock runs the "
            f"offline model).")


def _key_words(missing: list[str]) -> str:
    return _KEY_ALTERNATIVES.get(frozenset(missing), " and ".join(missing))
