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
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict

from agents.config import ModelSettings, StructuredMode, is_secret_name, redact, redact_url
from agents.domain import ReplyModel
from agents.errors import LLMError, StructuredOutputError
from agents.llm import (
    Completion,
    Fault,
    LLMClient,
    ReplyError,
    classify,
    is_offline_model,
    litellm,
    read_json,
    resolve_structured,
)
from agents.prompts import Task

#: The longest a model check waits for an answer after the first, whatever the run's timeout
#: (the first may take ``load_timeout_s``: a local server may load its model first). A small
#: model on a busy CPU can take tens of seconds for a probe; a probe that times out only moves
#: down the capability ladder.
PING_TIMEOUT_S = 60.0
#: After this long without a first answer, the wait is announced.
WAIT_NOTICE_S = 5.0
#: A server that failed a request (a 5xx, a dropped connection) is asked again after this long.
AGAIN_AFTER_S = 1.0
#: Where the check says what it waits for (the CLI prints it).
Notify = Callable[[str], None]
PING_MESSAGES = [{"role": "user", "content": 'Reply with the JSON object {"answer": "pong"}.'}]
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
                      timeout_s: float = PING_TIMEOUT_S, notify: Notify | None = None) -> ModelCheck:
    """Does this model answer, and how are its JSON answers held to their form (constrained
    decoding, or an example and a lenient reader)? No retries, and each failure told apart.

    1. A plain request, which may wait up to ``load_timeout_s`` (a local server may load its
       model first; after ``WAIT_NOTICE_S`` the wait is announced through ``notify``). A refused
       connection, a crash (a dropped connection, or no answer after a 5xx), a server that
       fails every request and one that never answers each get their own diagnosis.
    2. The capability probes (``agents.llm.capabilities``): a probe that fails moves down the
       ladder; if one failed other than by a refusal, a plain request must still be answered.
    3. With nothing constrained: a JSON ping, read leniently, with one repair.
    """
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
    first = await _first_answer(client, settings, notify)
    if isinstance(first, Diagnosis):
        return ModelCheck(Check(name=name, ok=False, detail=first.detail,
                                fix=first.fix or _key_fix(settings, missing)), settings)
    first_s = time.monotonic() - started
    notes: list[str] = []
    resolved = await resolve_structured(quick, client, notes=notes)
    try:
        if notes:  # a probe failed: is a plain request still answered?
            await asyncio.wait_for(client.complete("doctor", Task.PING, PING_MESSAGES, settings=quick,
                                                   num_retries=0), timeout=quick.timeout_s + 5)
        if resolved.structured == StructuredMode.prompt and not _is_pong(first.text):
            await asyncio.wait_for(client.structured("doctor", Task.PING, PING_MESSAGES, Pong),
                                   timeout=2 * quick.timeout_s + 5)
    except StructuredOutputError as exc:
        errors = str(exc).partition("(last problem: ")[2].rsplit(")", 1)[0]
        return ModelCheck(Check(
            name=name, ok=False, detail=redact(f"no valid JSON answer to a ping in 2 tries ({errors})"),
            fix=f"{settings.model} answers but not with valid JSON: use a stronger model "
                f"(--model, or a per-role model)."), settings)
    except (LLMError, TimeoutError) as exc:
        fault = classify(exc) if isinstance(exc, LLMError) else TIMED_OUT
        after = _diagnose(fault, None, settings, quick.timeout_s)
        if notes and fault.kind in ("refused", "dropped"):  # a probe killed it
            after = Diagnosis(f"{after.detail}: it crashed on a constrained request",
                              _crash_fix(settings) + " Or pass --structured prompt.")
        when = f"after {notes[0]}, " if notes else ""
        return ModelCheck(Check(name=name, ok=False,
                                detail=f"it answered a plain request, but {when}{after.detail}",
                                fix=after.fix or _key_fix(settings, missing)), settings)
    where = f" at {redact_url(settings.api_base)}" if settings.api_base else ""
    how = {StructuredMode.schema: f"constrained to a JSON schema ({resolved.schema_via})",
           StructuredMode.json: "constrained to JSON", StructuredMode.prompt:
           "not constrained (an example in the prompt, read leniently)"}[resolved.structured]
    loading = (" (a slow first answer: a model loading, or a busy server)"
               if first_s > WAIT_NOTICE_S else "")
    final = resolved.model_copy(update={"timeout_s": settings.timeout_s,
                                        "num_retries": settings.num_retries,
                                        "max_tokens": settings.max_tokens})
    return ModelCheck(Check(name=name, ok=True,
                            detail=redact(f"answered{where} in {first_s:.1f} s{loading}; structured "
                                          f"answers {how}" + "".join(f"; {n}" for n in notes))),
                      final)


class Diagnosis(NamedTuple):
    detail: str  # what happened, in one line
    fix: str  # what to do; "" for a key problem (the caller knows the missing keys)


TIMED_OUT = Fault("timeout", None, "no answer in time")


async def _first_answer(client: LLMClient, settings: ModelSettings,
                        notify: Notify | None) -> Completion | Diagnosis:
    """A plain request, given ``load_timeout_s``; after a 5xx or a dropped connection, one
    more, to tell a crashed server from one that failed once or fails every time."""
    limit = settings.load_timeout_s
    patient = settings.model_copy(update={"timeout_s": limit, "num_retries": 0})
    where = redact_url(settings.api_base) if settings.api_base else settings.model

    async def ask() -> Completion:
        return await client.complete("doctor", Task.PING, PING_MESSAGES, settings=patient,
                                     num_retries=0)

    task = asyncio.ensure_future(ask())
    try:
        done, _ = await asyncio.wait({task}, timeout=WAIT_NOTICE_S)
        if not done and notify is not None:
            notify(f"Waiting for the model to load at {where}: no answer after "
                   f"{WAIT_NOTICE_S:.0f} s; waiting up to {limit:.0f} s (load_timeout_s).")
        return await asyncio.wait_for(task, timeout=limit + 5)
    except (LLMError, TimeoutError) as exc:
        fault = classify(exc) if isinstance(exc, LLMError) else TIMED_OUT
    if fault.kind not in ("server_error", "dropped"):
        return _diagnose(fault, None, settings, limit)
    await asyncio.sleep(AGAIN_AFTER_S)
    try:
        return await asyncio.wait_for(ask(), timeout=limit + 5)
    except (LLMError, TimeoutError) as exc:
        return _diagnose(fault, classify(exc) if isinstance(exc, LLMError) else TIMED_OUT,
                         settings, limit)


def _server(settings: ModelSettings) -> str:
    base = redact_url(settings.api_base) if settings.api_base else None
    return f"the server at {base}" if base else f"{settings.model}'s provider"


def _crash_fix(settings: ModelSettings) -> str:
    server = _server(settings)
    return (f"{server[0].upper()}{server[1:]} crashed: read its log (a llama.cpp server built "
            f"for another CPU dies on its first completion: rebuild it with GGML_NATIVE=OFF), "
            f"then start it again.")


def _diagnose(fault: Fault, then: Fault | None, settings: ModelSettings,
              limit: float) -> Diagnosis:
    """One line on what happened and one on what to do, for a request that failed (``then``:
    how the request after a 5xx or a dropped connection failed)."""
    base = redact_url(settings.api_base) if settings.api_base else None
    server = _server(settings)
    crash_fix = _crash_fix(settings)
    kind = fault.kind
    if kind == "dropped":
        now = {"refused": ", and now nothing listens there", "dropped": " again"}.get(
            then.kind if then else "", "")
        return Diagnosis(f"{server} closed the connection without answering{now} "
                         f"({fault.message}): it crashed", crash_fix)
    if kind == "server_error":
        if then is not None and then.kind in ("refused", "dropped"):
            how = ("nothing listens there now" if then.kind == "refused"
                   else "it closed the next connection without answering")
            return Diagnosis(f"{server} answered HTTP {fault.status} ({fault.message}), then "
                             f"{how}: it crashed", crash_fix)
        return Diagnosis(
            redact(f"{server} answers a plain chat request with HTTP {fault.status}: "
                   f"{fault.message}"),
            f"{server[0].upper()}{server[1:]} fails every request: read its log (is the model "
            f"loaded, is --model the name it serves?).")
    if kind == "refused":
        if base:
            return Diagnosis(f"nothing listens at {base} (connection refused)",
                             f"Start the model server, or fix --api-base {base} "
                             f"(OpenAI-compatible servers usually end in /v1).")
        return Diagnosis(f"{server} cannot be reached ({fault.message})",
                         "Check the network or proxy, or pass --api-base.")
    if kind == "timeout":
        if base:
            return Diagnosis(
                f"{server} accepted the connection but gave no answer within {limit:.0f} s",
                f"If it is still loading the model, wait or raise load_timeout_s "
                f"(AISCI_LOAD_TIMEOUT_S={2 * limit:.0f}, or the config file); else check that "
                f"the server at {base} is not stuck.")
        return Diagnosis(f"{server} gave no answer within {limit:.0f} s",
                         "Check the network, or raise load_timeout_s (AISCI_LOAD_TIMEOUT_S).")
    if kind == "auth":
        return Diagnosis(redact(f"{server} refused the key (HTTP {fault.status}: "
                                f"{fault.message})"), "")
    if kind in ("not_found", "bad_request"):
        return Diagnosis(
            redact(f"{server} refused a plain chat request (HTTP {fault.status}: "
                   f"{fault.message})"),
            f"Check the model name {settings.model!r}: litellm's provider/model form, e.g. "
            f"openai/<name the server serves> with --api-base.")
    if kind == "rate_limit":
        return Diagnosis(redact(f"{server} rate-limits this key (HTTP 429: {fault.message})"),
                         "Wait, or check the plan's quota.")
    where = f" or the server at {base} (--api-base)" if base else ""
    return Diagnosis(redact(f"the request failed: {fault.message}"),
                     f"Check the model name{where}; --model mock runs the offline model.")


def _is_pong(text: str) -> bool:
    try:
        read_json(text, Pong)
    except ReplyError:
        return False
    return True


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
