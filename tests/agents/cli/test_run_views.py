"""``list``, ``show`` and ``compare`` on a real offline run: the default runs folder is found
from any folder, and every view fits 80 columns with the numbers of the run files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agents.report.summary import short_id


def aisci(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agents.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(Path.cwd()), "COLUMNS": "80",
                               "NO_COLOR": "1", **env})


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One offline run started from one folder, into the default runs folder, and a second
    run folder beside it (a copy, renamed as a later run) to compare with."""
    root = tmp_path_factory.mktemp("views")
    started_in, elsewhere, data = root / "project", root / "elsewhere", root / "data"
    for folder in (started_in, elsewhere):
        folder.mkdir()
    env = {"XDG_DATA_HOME": str(data)}
    proc = aisci("run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
                 "--num-ideas", "2", "--reviewers", "1", "--max-runs", "2",
                 cwd=started_in, env=env)
    assert proc.returncode == 0, proc.stderr
    runs = data / "aisci" / "runs"
    (first,) = runs.iterdir()
    second = runs / first.name.replace(first.name[:15], "20990101-000000")
    shutil.copytree(first, second)
    assert not (started_in / "runs").exists(), "the run went to ./runs, not the default folder"
    return {"elsewhere": elsewhere, "data": data, "first": first, "second": second}


def fits_80(text: str) -> None:
    """No line is longer than 80 columns but a path (it is not split, to stay copyable)."""
    for line in text.splitlines():
        if len(line) > 80:
            assert re.fullmatch(r"\s*[a-z]+: /\S+", line), f"wider than 80 columns: {line!r}"
    assert "…" not in text, "something was cut"


def test_list_from_another_folder_finds_the_runs_and_fits_80_columns(home: dict[str, Path]) -> None:
    proc = aisci("list", cwd=home["elsewhere"], env={"XDG_DATA_HOME": str(home["data"])})
    assert proc.returncode == 0, proc.stderr
    fits_80(proc.stdout)
    for run in (home["first"], home["second"]):
        assert re.search(rf"^{short_id(run.name)}\s+completed\s", proc.stdout, re.M), proc.stdout
    wide = aisci("list", "--wide", cwd=home["elsewhere"], env={"XDG_DATA_HOME": str(home["data"])})
    assert home["first"].name in wide.stdout.replace("\n", "")


def test_list_json_gives_full_ids_and_the_best_result(home: dict[str, Path]) -> None:
    proc = aisci("list", "--json", cwd=home["elsewhere"], env={"XDG_DATA_HOME": str(home["data"])})
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in rows] == [home["first"].name, home["second"].name]
    best = rows[0]["best"]
    outcome = json.loads((home["first"] / "ideas" / best["idea"] / "outcome.json").read_text())
    primaries = [r["primary"] for r in outcome["runs"] if r["index"] > 0 and r["verdict"] == "ok"]
    # the metric the idea reports (its held-out test metric: chosen on validation, reported on test)
    assert best["primary"] == max(primaries) and best["metric"] == outcome["primary_metric"]


def test_an_empty_default_folder_points_to_runs_made_in_dot_runs(tmp_path: Path,
                                                                home: dict[str, Path]) -> None:
    shutil.copytree(home["first"], tmp_path / "runs" / home["first"].name)
    proc = aisci("list", cwd=tmp_path, env={"XDG_DATA_HOME": str(tmp_path / "empty")})
    assert proc.returncode == 0 and short_id(home["first"].name) in proc.stdout
    assert "these are in ./runs" in " ".join(proc.stdout.split())
    shown = aisci("show", short_id(home["first"].name), cwd=tmp_path,
                  env={"XDG_DATA_HOME": str(tmp_path / "empty")})
    assert shown.returncode == 0, shown.stderr


def test_show_gives_each_ideas_metric_per_run_reviews_and_the_report(home: dict[str, Path]) -> None:
    run = home["first"]
    proc = aisci("show", short_id(run.name), cwd=home["elsewhere"],
                 env={"XDG_DATA_HOME": str(home["data"])})
    assert proc.returncode == 0, proc.stderr
    fits_80(proc.stdout)
    assert f"report: {run / 'report.html'}" in proc.stdout
    blocks = re.split(r"^(?=\S+ · (?:novel|not novel|novelty not judged) · )", proc.stdout,
                      flags=re.M)
    for idea in (run / "ideas").iterdir():
        outcome = json.loads((idea / "outcome.json").read_text())
        (block,) = [b for b in blocks if b.startswith(f"{idea.name} · ")]
        for r in outcome["runs"]:
            row = re.search(rf"^run_{r['index']}\b.*\b{r['verdict']}\s+(\S+)", block, re.M)
            assert row and float(row.group(1)) == pytest.approx(r["primary"], rel=1e-3), r
        meta = json.loads((idea / "reviews" / "meta_review.json").read_text())
        assert f"{meta['decision']}, mean overall {meta['mean_overall']:.2f}" in proc.stdout


def test_compare_puts_runs_side_by_side_with_the_stats_json_intervals(home: dict[str, Path]) -> None:
    first, second = home["first"], home["second"]
    proc = aisci("compare", short_id(first.name), str(second), cwd=home["elsewhere"],
                 env={"XDG_DATA_HOME": str(home["data"])})
    assert proc.returncode == 0, proc.stderr
    fits_80(proc.stdout)
    assert proc.stdout.index(short_id(first.name)) < proc.stdout.index(short_id(second.name))
    outcome = json.loads(sorted((first / "ideas").glob("*/outcome.json"))[0].read_text())
    metric = outcome["primary_metric"]  # what the idea reports: the held-out test metric
    base = next(r for r in outcome["runs"] if r["index"] == 0)
    for group, metrics in base["stats"]["groups"].items():
        s = metrics[metric]
        line = f"{group}\\s+{s['mean']:.4g}\\s+\\[{s['ci_low']:.3g}, {s['ci_high']:.3g}\\]\\s+{s['n']}"
        assert re.search(line, proc.stdout), (line, proc.stdout)


def test_an_unknown_run_is_bad_input(home: dict[str, Path]) -> None:
    for command in ("show", "compare"):
        proc = aisci(command, "no-such-run", cwd=home["elsewhere"],
                     env={"XDG_DATA_HOME": str(home["data"])})
        assert proc.returncode == 2 and "no run 'no-such-run'" in proc.stderr
