"""Preflight checks: does the model answer, does Docker, is TeX there? Each says how to fix it.

Nothing here prints: the CLI shows the checks (``aisci doctor``) or stops a run on the first
blocking failure, before anything is spent.

    >>> from agents.llm.client import ModelSettings
    >>> for check in run_checks(ModelSettings(model="mock/aisci-offline"), "local"):
    ...     print(check.ok, check.name, check.detail, check.fix)
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from agents.errors import LLMError, StructuredOutputError
from agents.llm.client import LLMClient, ModelSettings
from agents.llm.secrets import is_secret_name, redact
from agents.llm.setup import is_offline_model, litellm

#: The longest a model check waits for one answer, whatever the run's own timeout.
PING_TIMEOUT_S = 20.0
PING_MESSAGES = [{"role": "user", "content": "# Task: ping\nReply with {\"answer\": \"pong\"}."}]
TEX_PACKAGES = ("latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended")
#: How litellm words a refused connection (for openai/ models it raises InternalServerError).
_CONNECTION_PHRASES = ("Connection error", "Cannot connect", "Connect call failed", "Connection refused")
_PROVIDER_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
                  "gemini": "GEMINI_API_KEY"}
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


class Pong(BaseModel):
    answer: str


def blocking_failures(checks: list[Check]) -> list[Check]:
    """The failed checks that must stop a run."""
    return [c for c in checks if not c.ok and c.blocking]


# --- the model --------------------------------------------------------------------------------


async def check_model(settings: ModelSettings, *, roles: tuple[str, ...] = (),
                      timeout_s: float = PING_TIMEOUT_S) -> Check:
    """One tiny structured call, no retries: does this model answer, and with valid JSON?"""
    name = f"model {settings.model}" + (f" ({', '.join(roles)})" if roles else "")
    if is_offline_model(settings.model):  # built in: nothing to reach, nothing to time out
        return Check(name=name, ok=True, detail="the built-in offline model (no network, no key)")
    missing = missing_keys(settings)
    if missing and not settings.api_base:  # no call: it could only fail, and costs time
        return Check(name=name, ok=False, detail=f"{_key_words(missing)} is not set",
                     fix=_key_fix(settings, missing))
    ping = settings.model_copy(update={"timeout_s": min(settings.timeout_s, timeout_s),
                                       "num_retries": 0})
    client = LLMClient({}, default=ping, repair_attempts=1)
    started = time.monotonic()
    try:
        await asyncio.wait_for(client.structured("doctor", "ping", PING_MESSAGES, Pong),
                               timeout=2 * ping.timeout_s + 5)
    except StructuredOutputError as exc:
        errors = str(exc).partition("(last errors: ")[2].rsplit(")", 1)[0]
        return Check(name=name, ok=False,
                     detail=redact(f"no valid JSON answer to a ping in 2 tries ({errors})"),
                     fix=f"{settings.model} answers but not with valid JSON: use a stronger "
                         f"model (--model, or a per-role model).")
    except (LLMError, TimeoutError) as exc:
        cause = exc.__cause__ or exc
        first = str(cause).splitlines()[0][:300] if str(cause) else "no answer in time"
        return Check(name=name, ok=False, detail=redact(f"{type(cause).__name__}: {first}"),
                     fix=_fix_for(cause, settings, ping.timeout_s, missing))
    where = f" at {settings.api_base}" if settings.api_base else ""
    return Check(name=name, ok=True,
                 detail=f"answered{where} in {time.monotonic() - started:.1f} s")


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


def _fix_for(exc: BaseException, settings: ModelSettings, timeout_s: float,
             missing: list[str]) -> str:
    llm = litellm()
    base = settings.api_base
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
        provider = _provider(settings.model)
        var = _PROVIDER_KEYS.get(provider, f"{provider.upper()}_API_KEY (or the variable litellm "
                                           f"names for {provider})")
        return f"The key was rejected: export a valid {var}."
    what = _key_words(missing)
    if settings.api_base:
        return (f"export {what}=<key> (any non-empty value if the server at {settings.api_base} "
                f"needs no key).")
    return (f"export {what}=<your key>, or pick another model (--model; --model mock runs the "
            f"offline model).")


def _provider(model: str) -> str:
    try:
        return str(litellm().get_llm_provider(model)[1])
    except Exception:  # not a model litellm knows how to route
        return model.split("/", 1)[0]


def _key_words(missing: list[str]) -> str:
    return _KEY_ALTERNATIVES.get(frozenset(missing), " and ".join(missing))


# --- the sandbox and the tools ----------------------------------------------------------------


def check_sandbox(backend: str) -> Check:
    """Docker answers and the sandbox image is built (nothing to check for ``local``)."""
    if backend == "local":
        return Check(name="sandbox", ok=True, blocking=False,
                     detail="--sandbox local: experiment code runs on this machine, unisolated")
    from docker.errors import DockerException

    from sandbox import images
    from sandbox.base import SandboxUnavailable

    try:
        client = images.docker_client(timeout=15)
    except SandboxUnavailable as exc:
        denied = "Permission denied" in str(exc)
        return Check(name="docker", ok=False, detail=str(exc), fix=(
            "sudo usermod -aG docker $USER, then log in again; or use --sandbox local (unsafe)."
            if denied else "bash scripts/setup_docker.sh (installs and starts Docker), or use "
                           "--sandbox local (unsafe)."))
    tag = images.image_tag()
    try:
        if not images.image_exists(client, tag):
            return Check(name="sandbox image", ok=False, detail=f"Docker answers; image {tag} is missing",
                         fix="aisci sandbox build (or bash scripts/setup.sh).")
    except DockerException as exc:
        return Check(name="sandbox image", ok=False, detail=f"Docker failed: {exc}",
                     fix="bash scripts/setup_docker.sh, then aisci sandbox check.")
    finally:
        client.close()
    return Check(name="docker", ok=True, detail=f"Docker answers; image {tag} is present")


def check_tex() -> Check:
    from agents.latex import tex_available

    if tex_available():
        return Check(name="tex", ok=True, blocking=False, detail="latexmk and pdflatex found")
    return Check(name="tex", ok=False, blocking=False,
                 detail="latexmk/pdflatex not found: papers are written but not compiled to PDF",
                 fix=f"bash scripts/setup.sh, or: sudo apt-get install -y {TEX_PACKAGES}")


def check_pdftotext() -> Check:
    if shutil.which("pdftotext"):
        return Check(name="pdftotext", ok=True, blocking=False, detail="pdftotext found")
    return Check(name="pdftotext", ok=False, blocking=False,
                 detail="pdftotext not found: reviewers cannot read the compiled PDF",
                 fix="bash scripts/setup.sh, or: sudo apt-get install -y poppler-utils")


# --- all of them ------------------------------------------------------------------------------


async def arun_checks(model_settings: ModelSettings | Mapping[str, ModelSettings],
                      sandbox_backend: str = "docker") -> list[Check]:
    """Every check, models first: each distinct model (and server) is asked once."""
    by_model: dict[tuple[Any, ...], tuple[ModelSettings, list[str]]] = {}
    if isinstance(model_settings, ModelSettings):
        by_model[(model_settings.model, model_settings.api_base)] = (model_settings, [])
    else:
        for role, settings in model_settings.items():
            by_model.setdefault((settings.model, settings.api_base), (settings, []))[1].append(role)
    many = len(by_model) > 1
    model_checks = await asyncio.gather(*(
        check_model(settings, roles=tuple(roles) if many else ())
        for settings, roles in by_model.values()))
    sandbox = await asyncio.to_thread(check_sandbox, sandbox_backend)
    return [*model_checks, sandbox, check_tex(), check_pdftotext()]


def run_checks(model_settings: ModelSettings | Mapping[str, ModelSettings],
               sandbox_backend: str = "docker") -> list[Check]:
    """``arun_checks`` for synchronous callers (not from inside a running event loop)."""
    return asyncio.run(arun_checks(model_settings, sandbox_backend))
