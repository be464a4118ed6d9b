"""Fixtures of the literature tests: a fake server per test, and the online backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fakes import BACKENDS, Backend, FakeServer


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer().start()
    yield fake
    fake.stop()


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.param
