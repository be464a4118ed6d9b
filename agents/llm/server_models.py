"""``--api-base`` names a server, so a run uses that server's model: ask it what it serves.

With an ``api_base`` and no model named anywhere, ``server_model`` asks the server for its
models (OpenAI's ``GET <base>/models``, which llama.cpp, vLLM, LM Studio and Ollama's ``/v1``
serve; Ollama's own ``GET <base>/api/tags``) and returns the only one in litellm's form
(``openai/<id>``, ``ollama_chat/<name>``). Anything else stops with one line: several models
(listed: pick one with ``--model``), none, a server that does not list them, or nothing
listening. It never falls back to the offline model. No key is sent: listing models needs none
on the servers this is for, and a key must not go to a server just to learn its model names.

    >>> server_model("http://127.0.0.1:9/v1")  # doctest: +SKIP
    Traceback (most recent call last):
    agents.errors.AisciError: nothing listens at http://127.0.0.1:9/v1 (connection refused): ...
"""

from __future__ import annotations

from typing import Any

import httpx

from agents.config import AisciConfig, redact_url
from agents.errors import AisciError, ConfigError

LIST_TIMEOUT_S = 10.0
#: How many names a one-line error lists before "and N more".
SHOWN = 8


def _get(url: str) -> httpx.Response | None:
    """The answer, or None when the path does not exist or the body is not JSON; a server
    that cannot be reached raises ``httpx.TransportError``."""
    response = httpx.get(url, timeout=LIST_TIMEOUT_S, follow_redirects=False)
    if response.status_code in (401, 403):
        return response
    if response.status_code != 200:
        return None
    try:
        response.json()
    except ValueError:
        return None
    return response


def _names(payload: Any, key: str, field: str) -> list[str] | None:
    """The model names of a listing (``data[].id`` or ``models[].name``), or None when the
    payload is not such a listing."""
    if not isinstance(payload, dict) or not isinstance(payload.get(key), list):
        return None
    names = [str(item[field]) for item in payload[key]
             if isinstance(item, dict) and isinstance(item.get(field), str) and item[field].strip()]
    return list(dict.fromkeys(names))


def server_model(api_base: str) -> str:
    """The one model the server at ``api_base`` serves, as litellm names it; ``AisciError``
    (one line) when there is not exactly one or the server cannot be asked."""
    base = api_base.rstrip("/")
    shown = redact_url(base)
    ways = [(f"{base}/models", "data", "id", "openai")]
    if not base.endswith("/v1"):
        ways += [(f"{base}/api/tags", "models", "name", "ollama_chat"),
                 (f"{base}/v1/models", "data", "id", "v1")]
    for url, key, field, provider in ways:
        try:
            response = _get(url)
        except httpx.ConnectError as exc:
            raise AisciError(f"nothing listens at {shown} (connection refused): start the model "
                             f"server, or fix --api-base") from exc
        except httpx.TimeoutException as exc:
            raise AisciError(f"the server at {shown} did not list its models within "
                             f"{LIST_TIMEOUT_S:.0f} s: is it up? Or name the model with --model") from exc
        except httpx.HTTPError as exc:
            raise AisciError(f"the server at {shown} could not be asked for its models "
                             f"({type(exc).__name__}): name the model with --model") from exc
        if response is None:
            continue
        if response.status_code != 200:
            raise ConfigError(f"the server at {shown} wants a key to list its models: name the "
                              f"model with --model (e.g. --model openai/<name it serves>)")
        names = _names(response.json(), key, field)
        if names is None:
            continue
        if provider == "v1":
            raise ConfigError(f"the server at {shown} answers OpenAI's API under /v1: pass "
                              f"--api-base {shown}/v1")
        if not names:
            raise ConfigError(f"the server at {shown} lists no model: load or pull one (e.g. "
                              f"ollama pull <model>), or name it with --model")
        if len(names) > 1:
            more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
            raise ConfigError(f"the server at {shown} serves {len(names)} models: "
                              f"{', '.join(names[:SHOWN])}{more}; pick one with --model "
                              f"{provider}/<name>")
        return f"{provider}/{names[0]}"
    raise ConfigError(f"the server at {shown} does not list its models (GET {shown}/models): "
                      f"name the model with --model (e.g. --model openai/<name it serves>)")


def with_server_model(cfg: AisciConfig) -> tuple[AisciConfig, str | None]:
    """``cfg`` with its model taken from its server when it names a server and no model; the
    model found (None when nothing was asked). A server named only by a config file found on
    its own is not asked (``check_key_routing`` speaks for it)."""
    if cfg.model is not None or not cfg.api_base or not cfg.api_base_confirmed(cfg.api_base):
        return cfg, None
    found = server_model(cfg.api_base)
    return cfg.model_copy(update={"model": found}), found
