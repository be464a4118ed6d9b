"""Configure litellm once, before its first import: offline, quiet, and no .env loading."""

from __future__ import annotations

import os
import threading
from types import ModuleType

OFFLINE_PREFIX = "mock/"
OFFLINE_MODEL = "mock/aisci-offline"
#: Notional prices of the offline model (USD per token), so cost control can be tried for free.
OFFLINE_PRICES = {"input_cost_per_token": 0.15e-6, "output_cost_per_token": 0.60e-6}


def offline_cost(prompt_tokens: int, completion_tokens: int) -> float:
    """USD for the tokens at the offline model's notional prices (what litellm charges for it)."""
    return (prompt_tokens * OFFLINE_PRICES["input_cost_per_token"]
            + completion_tokens * OFFLINE_PRICES["output_cost_per_token"])

_lock = threading.Lock()
_configured = False


def quiet_environment() -> None:
    """Before litellm is first imported, anywhere: no price-list download, no .env, quiet logs."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_MODE", "PRODUCTION")
    os.environ.setdefault("LITELLM_LOG", "ERROR")


def litellm() -> ModuleType:
    """Import litellm configured for this process (idempotent, thread-safe)."""
    global _configured
    with _lock:
        quiet_environment()
        import litellm as _litellm

        if not _configured:
            from agents.offline_model import OfflineModel

            _litellm.suppress_debug_info = True
            _litellm.drop_params = True
            _litellm.telemetry = False
            _litellm.custom_provider_map = [
                {"provider": "mock", "custom_handler": OfflineModel()}
            ]
            _litellm.register_model(
                {OFFLINE_MODEL: {**OFFLINE_PRICES, "cache_creation_input_token_cost": 0.0,
                                 "cache_read_input_token_cost": 0.0,
                                 "litellm_provider": "mock", "mode": "chat",
                                 "max_tokens": 32768, "max_input_tokens": 131072}}
            )
            _configured = True
    return _litellm


def is_offline_model(model: str) -> bool:
    return model.startswith(OFFLINE_PREFIX)
