"""Every containment behaviour of SANDBOX.md, each its own test, against the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.conformance import BEHAVIOURS, Behaviour, run_behaviour
from sandbox.docker import DockerSandbox

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=[b.name for b in BEHAVIOURS])
def test_docker_sandbox(behaviour: Behaviour, docker_sandbox: DockerSandbox,
                        tmp_path: Path) -> None:
    result = run_behaviour(behaviour, docker_sandbox, tmp_path)
    assert result.status == "pass", f"{behaviour.summary}: {result.detail}"
