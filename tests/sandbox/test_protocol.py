"""Every backend offers the whole ``Sandbox`` protocol, ``cleanup`` included: the runner calls it
on every path without asking whether a backend has it."""

from __future__ import annotations

import pytest

from sandbox.base import CleanupReport, Sandbox
from sandbox.docker import DockerSandbox
from sandbox.local import LocalSandbox
from sandbox.ray_executor import RaySandbox


@pytest.mark.parametrize("backend", [LocalSandbox, DockerSandbox, RaySandbox])
def test_each_backend_is_a_sandbox_with_a_cleanup(backend: type) -> None:
    assert isinstance(backend.__new__(backend), Sandbox)
    for method in ("preflight", "run", "describe", "cleanup"):
        assert callable(getattr(backend, method, None)), f"{backend.__name__}.{method}"


def test_a_local_job_leaves_nothing_to_sweep() -> None:
    report = LocalSandbox().cleanup("some-run")
    assert report == CleanupReport() and LocalSandbox().cleanup(stale_only=True) == report
