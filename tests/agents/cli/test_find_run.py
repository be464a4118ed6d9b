"""A run named by its folder, its short id (also when a second run started in the same second),
a unique prefix or its path; an ambiguous or unknown one is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.cli.inspect import find_run
from agents.errors import ConfigError
from agents.report.summary import short_id


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    for name in ("20261206-231644_momentum", "20261206-231644_momentum-2", "20261207-090000_noise"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text("{}")
    (tmp_path / "20261208-000000_no_record").mkdir()  # not a run: no run.json
    return tmp_path


@pytest.mark.parametrize(("given", "found"), [
    ("20261206-231644", "20261206-231644_momentum"),  # a short id that prefixes another run too
    ("20261206-231644-2", "20261206-231644_momentum-2"),
    ("20261207", "20261207-090000_noise"),
    ("20261206-231644_momentum", "20261206-231644_momentum"),
])
def test_a_run_is_found_by_short_id_name_or_prefix(runs: Path, given: str, found: str) -> None:
    assert find_run(given, runs).path.name == found


def test_every_short_id_that_list_shows_finds_its_run(runs: Path) -> None:
    for folder in runs.glob("*/run.json"):
        assert find_run(short_id(folder.parent.name), runs).path == folder.parent.resolve()


def test_ambiguous_and_unknown_runs_are_bad_input(runs: Path) -> None:
    with pytest.raises(ConfigError, match="matches 2 runs"):
        find_run("20261206-2316", runs)
    with pytest.raises(ConfigError, match="no run '20261208'"):
        find_run("20261208", runs)
