"""``aisci doctor`` warns about a Ray address anyone could reach, and shows the most a
template may ask of a sandbox job."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agents.preflight.exposure_check import check_ray_exposure
from tests.support import REPO, aisci


@pytest.mark.parametrize("address", ["8.8.8.8:6379", "ray://1.1.1.1:10001", "[2001:4860::8888]:6379"])
def test_a_public_ray_address_is_a_warning(address: str) -> None:
    check = check_ray_exposure(address)
    assert check is not None and not check.ok and not check.blocking
    assert "accept jobs" in check.detail and "anyone who can reach them" in check.detail


@pytest.mark.parametrize("address", ["127.0.0.1:6379", "localhost:6379", "10.1.2.3:6379",
                                     "ray://192.168.0.7:10001", "172.16.5.4:6379"])
def test_a_local_or_private_ray_address_is_fine(address: str) -> None:
    check = check_ray_exposure(address)
    assert check is not None and check.ok


def test_no_address_is_the_local_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert check_ray_exposure(None) is None and check_ray_exposure("auto") is None
    monkeypatch.setenv("RAY_ADDRESS", "8.8.4.4:6379")
    check = check_ray_exposure(None)
    assert check is not None and not check.ok


def test_doctor_shows_the_template_limit_caps(tmp_path: Path) -> None:
    done = subprocess.run(aisci("doctor", "--model", "mock", "--sandbox", "local"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "400",
                               "AISCI_MAX_LIMITS": '{"pids": 1234}'})
    line = next(line for line in done.stdout.splitlines() if "template limits" in line)
    assert "pids 1234" in line and "memory_mb 32768" in line
