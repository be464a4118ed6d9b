"""The offline run's cost estimate needs no litellm (seconds of import), and prices the same."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agents.cost.estimate import price
from agents.llm.runtime import OFFLINE_MODEL, litellm

ESTIMATE = """
import sys
from agents.config.settings import ModelSettings, RunSettings
from agents.cost.estimate import run_estimate
settings = RunSettings(topic="x", template="tiny_mlp", model=ModelSettings(model="{model}"))
print(run_estimate(settings, 3).total, "litellm" in sys.modules)
"""


def test_an_offline_estimate_imports_no_litellm() -> None:
    done = subprocess.run([sys.executable, "-c", ESTIMATE.format(model=OFFLINE_MODEL)],
                          capture_output=True, text=True, timeout=120)
    total, imported = done.stdout.split()
    assert imported == "False" and float(total) > 0, done.stderr


@pytest.mark.parametrize(("prompt", "completion"), [(12345, 678), (1, 0), (0, 4096)])
def test_the_offline_price_is_litellms(prompt: int, completion: int) -> None:
    cost = sum(litellm().cost_per_token(model=OFFLINE_MODEL, prompt_tokens=prompt,
                                        completion_tokens=completion))
    assert price(OFFLINE_MODEL, prompt, completion) == pytest.approx(cost, rel=1e-12)
