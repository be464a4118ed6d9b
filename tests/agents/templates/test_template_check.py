"""`aisci template check`: the shipped templates pass; broken copies fail with precise messages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agents.domain.results import FinalInfo
from agents.templates.check import check_template
from agents.templates.template import available_templates, load_template, templates_dir


def test_tiny_mlp_is_shipped() -> None:
    assert "tiny_mlp" in available_templates()


@pytest.mark.parametrize("name", available_templates())
def test_shipped_templates_pass_the_check(name: str) -> None:
    assert check_template(templates_dir() / name) == []
    template = load_template(name)
    info = FinalInfo.parse(json.loads((template.baseline_dir / "final_info.json").read_text()))
    assert template.metric(None).value(info) is not None, "the primary metric is not in run_0"
    assert template.seed.possible and template.data_source, "say how to seed it and what data it uses"


def _broken(tmp_path: Path) -> Path:
    copy = tmp_path / "t"
    shutil.copytree(templates_dir() / "tiny_mlp", copy)
    return copy


def _drop_out_dir(p: Path) -> None:
    source = (p / "experiment.py").read_text().replace("--out_dir", "--output")
    (p / "experiment.py").write_text(source)


BREAKS = {
    "missing file": (lambda p: (p / "plot.py").unlink(), "missing plot.py"),
    "no --out_dir": (_drop_out_dir, "does not accept --out_dir"),
    "no means": (lambda p: (p / "run_0" / "final_info.json").write_text('{"moons": {"acc": 1}}'),
                 "group 'moons' has no \"means\""),
    "bad json": (lambda p: (p / "prompt.json").write_text("{nope"), "prompt.json is not valid JSON"),
    "bad seed idea": (lambda p: (p / "seed_ideas.json").write_text('[{"Name": "x"}]'),
                      "seed_ideas.json idea 0"),
    "syntax error": (lambda p: (p / "experiment.py").write_text("def (:\n--out_dir"),
                     "syntax error on line 1"),
    "bad limits": (lambda p: (p / "template.toml").write_text('primary_metric="a"\n[limits]\ntimeout_s=-1\n'),
                   "template.toml is invalid"),
    "string metric": (lambda p: (p / "run_0" / "final_info.json").write_text(
        '{"moons": {"means": {"acc": "0.9"}}}'), "means ['acc'] are not numbers"),
    "unknown seed argument": (lambda p: (p / "template.toml").write_text(
        'primary_metric="a"\n[seed]\nargument="--rng"\n'), "argument --rng is not in experiment.py"),
}


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_broken_template_fails_precisely(tmp_path: Path, kind: str) -> None:
    breaker, message = BREAKS[kind]
    copy = _broken(tmp_path)
    breaker(copy)
    problems = check_template(copy)
    assert any(message in p for p in problems), problems
    proc = subprocess.run([sys.executable, "-m", "agents.cli", "template", "check", str(copy)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def test_parallelism_stays_within_the_machine() -> None:
    import os

    from agents.workflow.services import effective_parallel
    from sandbox.base import Limits

    cpus = os.cpu_count() or 1
    assert effective_parallel(64, Limits(cpus=1, memory_mb=64)) == min(64, cpus)
    assert effective_parallel(1, Limits(cpus=1, memory_mb=64)) == 1
    assert effective_parallel(8, Limits(cpus=cpus * 4, memory_mb=64)) == 1
    assert effective_parallel(8, Limits(cpus=0.5, memory_mb=10**9)) == 1


def test_a_template_may_declare_a_metrics_range(tmp_path: Path) -> None:
    copy = _broken(tmp_path)
    with (copy / "template.toml").open("a") as f:
        f.write('\n[metrics.val_accuracy]\nrange = [0, 1]\n\n[metrics.final_train_loss]\n'
                'range = [0, "none"]\n')
    assert check_template(copy) == []
    assert load_template(str(copy)).metric_ranges == {"val_accuracy": (0.0, 1.0),
                                                      "final_train_loss": (0.0, None)}


def test_a_template_is_checked_again_only_when_it_or_the_maxima_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One run loads its template four times: an unchanged folder is checked once. A file
    changed after the first load, even to the same size with its mtime set back, is checked
    again and refused; so is the same folder under a lower ``[max_limits]``."""
    import os

    from agents.errors import TemplateError
    from agents.templates import check

    checks: list[Path] = []
    real = check.check_template

    def counted(path: Path, **kwargs: object) -> list[str]:
        checks.append(path)
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(check, "check_template", counted)
    copy = _broken(tmp_path)
    for _ in range(4):
        load_template(str(copy))
    assert len(checks) == 1

    experiment = copy / "experiment.py"
    before = experiment.stat()
    source = experiment.read_text()
    assert "--out_dir" in source
    experiment.write_text(source.replace("--out_dir", "--out_dix"))  # the same size
    os.utime(experiment, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert experiment.stat().st_size == before.st_size
    with pytest.raises(TemplateError, match="does not accept --out_dir"):
        load_template(str(copy))
    assert len(checks) == 2

    experiment.write_text(source)
    load_template(str(copy))
    toml = copy / "template.toml"
    text = toml.read_text()
    toml.write_text(text.replace("[limits]", "[limits]\npids = 2000", 1) if "[limits]" in text
                    else text + "\n[limits]\npids = 2000\n")
    load_template(str(copy))  # under the default maximum (4096)
    monkeypatch.setenv("AISCI_MAX_LIMITS", '{"pids": 1000}')
    with pytest.raises(TemplateError, match="pids = 2000"):
        load_template(str(copy))
