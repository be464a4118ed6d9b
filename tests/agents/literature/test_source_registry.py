"""Choosing a source by name is deterministic; several sources combine into one."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.literature.base import (
    LiteratureConfigError,
    LiteratureSource,
    LiteratureUnavailable,
)
from agents.literature.cache import CachedSource
from agents.literature.offline import OfflineSource
from agents.literature.records import PaperRecord
from agents.literature.registry import (
    ENV_VAR,
    MultiSource,
    default_cache_dir,
    get_source,
    resolve_name,
)


@pytest.fixture(autouse=True)
def no_env_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_auto_is_offline_by_default(tmp_path: Path) -> None:
    source = get_source("auto", cache_dir=tmp_path)
    assert isinstance(source, OfflineSource)
    assert source.index_path == tmp_path / "offline_index.sqlite"
    assert isinstance(source, LiteratureSource)


@pytest.mark.parametrize("name", ["semantic_scholar", "openalex", "arxiv"])
def test_env_var_picks_an_online_source_behind_the_cache(
        name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, name.upper())
    source = get_source("auto", cache_dir=tmp_path)
    assert isinstance(source, CachedSource)
    assert source.name == name
    assert source.cache.path == tmp_path / "literature.sqlite"


def test_offline_only_wins_over_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "openalex")
    assert resolve_name("auto", offline_only=True) == "offline"


def test_offline_only_refuses_an_online_source() -> None:
    with pytest.raises(LiteratureConfigError, match="use --literature offline"):
        resolve_name("arxiv", offline_only=True)


def test_unknown_names_list_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LiteratureConfigError, match="choose one of offline, semantic_scholar"):
        resolve_name("google")
    monkeypatch.setenv(ENV_VAR, "scholar")
    with pytest.raises(LiteratureConfigError, match=f"{ENV_VAR}='scholar'"):
        resolve_name("auto")


def test_default_cache_dir_follows_xdg() -> None:
    assert default_cache_dir({"XDG_CACHE_HOME": "/x/cache"}) == Path("/x/cache/aisci")


class Fixed:
    def __init__(self, name: str, titles: list[str], fail: bool = False) -> None:
        self.name, self.titles, self.fail = name, titles, fail

    def search(self, query: str, limit: int = 10) -> list[PaperRecord]:
        if self.fail:
            raise LiteratureUnavailable(f"{self.name} is down")
        return [PaperRecord(title=t, source=self.name) for t in self.titles[:limit]]


def test_multisource_interleaves_and_dedupes() -> None:
    multi = MultiSource([Fixed("a", ["A1", "Shared", "A3"]), Fixed("b", ["shared", "B2"])])
    assert multi.name == "a+b"
    # rank 1 of each source, then rank 2, ...; "Shared" and "shared" are one paper
    assert [p.title for p in multi.search("q", limit=10)] == ["A1", "shared", "B2", "A3"]
    assert [p.title for p in multi.search("q", limit=2)] == ["A1", "shared"]


def test_multisource_skips_a_failing_source() -> None:
    multi = MultiSource([Fixed("down", [], fail=True), Fixed("up", ["U1"])])
    assert [p.title for p in multi.search("q")] == ["U1"]


def test_multisource_raises_when_all_fail() -> None:
    multi = MultiSource([Fixed("x", [], fail=True), Fixed("y", [], fail=True)])
    with pytest.raises(LiteratureUnavailable, match="x is down"):
        multi.search("q")
