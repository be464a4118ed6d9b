"""Fixtures for the sandbox tests.

Tests marked ``docker`` need a running engine and the sandbox image (and, for TeX, the paper
image). Without them they are
skipped on a developer machine, but fail when ``CI`` is set: CI must never skip containment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from sandbox import images
from sandbox.base import SandboxUnavailable
from sandbox.docker import DockerSandbox


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Docker sandbox tests, but: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_sandbox() -> Iterator[DockerSandbox]:
    """The real Docker backend with the current image."""
    sandbox = DockerSandbox()
    try:
        sandbox.preflight()
    except SandboxUnavailable as exc:
        _unavailable(str(exc))
    yield sandbox
    # Jobs whose process is gone are swept; live jobs of other aisci runs are spared.
    sandbox.cleanup(stale_only=True)


@pytest.fixture(scope="session")
def paper_image(docker_sandbox: DockerSandbox) -> str:
    """The paper image's tag; it must be built (``aisci sandbox build``)."""
    tag = images.paper_image_tag()
    if not images.image_exists(docker_sandbox.client(), tag):
        _unavailable(f"the paper image {tag} is missing: run `aisci sandbox build`")
    return tag
