"""A template's imports are probed in its image once per image id: the next run asks the
user's cache, a cache entry of the wrong form is ignored, and a cached answer never names a
module that was not asked about."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.templates import packages
from agents.templates.template import templates_dir
from tests.support import docker_or_skip


@pytest.mark.docker
def test_the_second_probe_of_an_image_runs_no_container(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docker_or_skip("the import probe")
    from sandbox.docker import DockerSandbox

    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "cache"))
    containers: list[str] = []
    real_run = DockerSandbox.run

    def counted(self: DockerSandbox, job, **kwargs):  # type: ignore[no-untyped-def]
        containers.append(job.labels.get("aisci.kind", ""))
        return real_run(self, job, **kwargs)

    monkeypatch.setattr(DockerSandbox, "run", counted)
    folder = templates_dir() / "tiny_mlp"
    first = packages.missing_imports(folder)
    assert first.method.startswith("probed in") and containers == ["import-probe"]
    second = packages.missing_imports(folder)
    assert second.method.startswith("probed in") and containers == ["import-probe"]
    assert second.missing == first.missing

    cache = tmp_path / "cache" / packages.PROBE_CACHE
    (key,) = json.loads(cache.read_text())
    # a tampered entry: a module that was not asked about, beside the ones that were
    cache.write_text(json.dumps({key: ["numpy", "not_asked_about"]}))
    told = packages.missing_imports(folder)
    assert [u.module for u in told.missing] == ["numpy"] * len(told.missing) and told.missing
    assert containers == ["import-probe"]
    # an entry of the wrong form is no answer: the image is probed again
    cache.write_text(json.dumps({key: "numpy"}))
    again = packages.missing_imports(folder)
    assert containers == ["import-probe", "import-probe"]
    assert again.missing == first.missing
