"""run.json is one typed record: written by one writer, read back through one validating
reader, in the layout the README documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.config.settings import ModelSettings, RunSettings
from agents.domain.status import Failure
from agents.run.folder import RunFolder
from agents.run.record import RunRecordError, Timings, read_run_record, write_run_record


def _settings(**changes: object) -> RunSettings:
    return RunSettings(topic="momentum", template="tiny_mlp",
                       model=ModelSettings(model="mock/aisci-offline"), **changes)  # type: ignore[arg-type]


def test_the_record_round_trips_in_the_documented_layout(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "momentum")
    settings = _settings(checkpointer="postgresql://me:pw@db/runs?sslmode=require&password=pw")
    write_run_record(run, settings, "running", failures=[Failure(stage="plot", reason="x")],
                     timings=Timings(started="2026-01-01T00:00:00", wall_s=3.5))
    data = json.loads((run.path / "run.json").read_text())
    assert list(data) == ["id", "topic", "template", "models", "settings", "run_settings",
                          "versions", "status", "sandbox", "failures", "timings"]
    assert set(data["models"]) == {"ideation", "novelty", "coder", "writer", "reviewer"}
    assert "pw" not in json.dumps(data), "a password was written"
    record = read_run_record(run)
    assert record.status == "running" and record.failures[0].stage == "plot"
    assert record.timings.wall_s == 3.5
    write_run_record(run, settings, "completed")  # the other parts are kept
    assert read_run_record(run).failures[0].reason == "x"


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d.update(extra=1), "extra: unknown field"),
    (lambda d: d["run_settings"].update(seeds=500), "run_settings.seeds"),
    (lambda d: d["run_settings"].update(sandbox="vm"), "run_settings.sandbox"),
    (lambda d: d.update(status="hacked"), "status"),
    (lambda d: d["timings"].update(wall_s=-1), "timings.wall_s"),
])
def test_a_tampered_record_is_one_line_naming_the_field(tmp_path: Path, change: object,
                                                       named: str) -> None:
    run = RunFolder.create(tmp_path, "momentum")
    write_run_record(run, _settings(), "running")
    data = json.loads((run.path / "run.json").read_text())
    change(data)  # type: ignore[operator]
    (run.path / "run.json").write_text(json.dumps(data))
    with pytest.raises(RunRecordError) as caught:
        read_run_record(run)
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_an_older_scaffold_failure_is_read(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "momentum")
    write_run_record(run, _settings(), "failed")
    data = json.loads((run.path / "run.json").read_text())
    data["failures"] = [{"stage": "scaffold", "error": "no attempt worked"}]
    (run.path / "run.json").write_text(json.dumps(data))
    assert read_run_record(run).failures[0].reason == "no attempt worked"
