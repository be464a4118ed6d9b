"""A template as AI-Scientist users bring it runs as it is: its packages come from its list (or
`template check --fix`), its jobs run in their image, the primary metric is chosen and printed
before any model call, every figure shows every run, and the paper compiles with algorithm.sty.

The template is tests/fixtures/byo_template: no template.toml, einops (not in the sandbox image),
--out_dir in an imported module, a loss as its only metric, a labels dict in plot.py, and a
LaTeX skeleton that loads algorithm, algorithmicx and algpseudocode.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.experiment.plot_labels import labels_dict
from tests.support import IN_CI, load, only_run

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "byo_template"


def _docker() -> None:
    try:
        from sandbox.docker import DockerSandbox
        from sandbox.images import paper_image_tag

        DockerSandbox().preflight()
        DockerSandbox(paper_image_tag()).preflight()
    except Exception as exc:  # SandboxUnavailable, or no engine at all
        if IN_CI:
            pytest.fail(f"CI must run the Docker tests: {exc}")
        pytest.skip(str(exc))


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "byo"
    shutil.copytree(FIXTURE, copy)
    return copy


@pytest.mark.docker
def test_check_names_the_missing_package_and_fix_builds_its_image(tmp_path: Path) -> None:
    _docker()
    copy = _copy(tmp_path)
    before = CliRunner().invoke(app, ["template", "check", str(copy)])
    assert before.exit_code == 1, before.output
    assert "the sandbox image lacks what the code imports: einops (experiment.py line 13; " \
        "package einops)" in before.output
    assert not (copy / "requirements.txt").exists()  # nothing is written without --fix

    fixed = CliRunner().invoke(app, ["template", "check", str(copy), "--fix", "--run"])
    assert fixed.exit_code == 0, fixed.output
    listed = (copy / "requirements.txt").read_text().splitlines()
    assert [x.split("==")[0] for x in listed if not x.startswith("#")] == ["einops"]
    assert "probed in aisci-sandbox-extra:" in fixed.output
    assert "the LaTeX skeleton compiles in the paper image" in fixed.output
    assert "--out_dir is defined in options.py" in fixed.output
    assert "the baseline ran in" in fixed.output
    assert "Primary metric: loss (lower is better): inferred: a loss" in fixed.output


@pytest.mark.docker
def test_a_package_no_index_has_is_named(tmp_path: Path) -> None:
    _docker()
    copy = _copy(tmp_path)
    (copy / "entropy.py").write_text("import npeet\n")  # AI-Scientist's 2d_diffusion: from git
    (copy / "experiment.py").write_text("import entropy\n" + (copy / "experiment.py").read_text())
    result = CliRunner().invoke(app, ["template", "check", str(copy), "--fix"])
    assert result.exit_code == 1
    assert "no package index this machine reaches has npeet" in result.output
    assert not (copy / "requirements.txt").exists()


@pytest.mark.docker
def test_a_missing_latex_package_is_named(tmp_path: Path) -> None:
    _docker()
    from agents.templates.latex_check import check_skeleton

    copy = _copy(tmp_path)
    assert check_skeleton(copy).ok  # algorithm, algorithmicx, algpseudocode: in the paper image
    skeleton = copy / "latex" / "template.tex"
    skeleton.write_text(skeleton.read_text().replace(r"\usepackage{algorithm}",
                                                     r"\usepackage{algorithm}\usepackage{nosuchpkg}"))
    result = check_skeleton(copy)
    assert result.compiled is False and result.missing == ["nosuchpkg.sty"]


@pytest.mark.docker
@pytest.mark.slow
def test_an_ai_scientist_style_template_runs_to_a_paper(tmp_path: Path) -> None:
    _docker()
    copy = _copy(tmp_path)
    runs = tmp_path / "runs"
    args = ["run", "learning rate and convergence", "--model", "mock", "--template", str(copy),
            "--runs-dir", str(runs), "--num-ideas", "1", "--max-runs", "2", "--reviewers", "1",
            "--novelty-rounds", "1", "--include-not-novel"]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2, refused.output
    assert "imports einops, which the sandbox image lacks" in refused.output
    assert "--build-image" in refused.output
    assert not runs.exists() or not any(runs.iterdir()), "a refused run created a folder"
    result = CliRunner().invoke(app, [*args, "--build-image", "--timeout", "300"])
    assert result.exit_code in (0, 4), result.output
    assert "einops==" in (copy / "requirements.txt").read_text()
    out = result.output
    assert "Primary metric: loss (lower is better): inferred: a loss" in out
    assert "Limits per job: timeout 300 s (--timeout), memory 2048 MB (aisci's default" in out
    run = only_run(runs)
    events = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    choice = next(e for e in events if e["type"] == "metric_choice")
    first_call = next(i for i, e in enumerate(events) if e["type"] == "llm_call")
    assert events.index(choice) < first_call, "the metric was chosen after a model call"
    assert (choice["metric"], choice["lower_is_better"]) == ("loss", True)
    jobs = [e for e in events if e["type"] == "sandbox_run" and e["idea"] != "paper"
            and e["run"] not in ("compile", "pdf_text", "pdf_pages")]
    assert jobs and all(e["image"].startswith("aisci-sandbox-extra:") for e in jobs), jobs
    [idea] = [p for p in (run / "ideas").iterdir() if p.is_dir()]
    ok_runs = [f"run_{r['index']}" for r in load(idea / "runs.json") if r["verdict"] == "ok"]
    assert len(ok_runs) >= 2
    named = labels_dict((idea / "code" / "plot.py").read_text())
    assert named is not None and list(named) == ok_runs, "a figure leaves out a run"
    assert sorted(p.name for p in (idea / "plots").glob("*.png")) == ["loss_dense.png",
                                                                       "loss_sparse.png"]
    paper = load(idea / "paper" / "paper.json")
    assert (idea / "paper" / "paper.pdf").is_file(), paper
    assert r"\begin{algorithm}" in (idea / "paper" / "template.tex").read_text()


@pytest.mark.docker
def test_check_run_says_how_far_a_baseline_got_before_the_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _docker()
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "cache"))  # where its time is kept
    copy = tmp_path / "slow"
    shutil.copytree(FIXTURE.parent / "argparse_template", copy)
    source = (copy / "experiment.py").read_text()
    (copy / "experiment.py").write_text(source.replace(
        "rng = np.random.default_rng(0)",
        "import time\nprint('epoch 1 of 500', flush=True)\ntime.sleep(60)\n"
        "rng = np.random.default_rng(0)"))
    result = CliRunner().invoke(app, ["template", "check", str(copy), "--run", "--timeout", "4"])
    assert result.exit_code == 1
    assert "the baseline ran in the sandbox until the 4 s timeout (--timeout) without finishing; " \
        "its last output: 'epoch 1 of 500'" in " ".join(result.output.split())
    from agents.jobs.compute import load_timing

    timing = load_timing(copy)
    assert timing is not None and timing.verdict == "timeout"


def _wheel(folder: Path, name: str, version: str, module_text: str) -> Path:
    """A pure-Python wheel made here (no index has it)."""
    import base64
    import hashlib
    import zipfile

    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    files = {f"{module}/__init__.py": module_text,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: aisci-test\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n"}
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.mark.docker
def test_packages_can_come_from_a_wheel_folder_with_no_index(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _docker()
    wheels = tmp_path / "wheels"
    _wheel(wheels, "aisci-fixture-probe", "1.0", "VALUE = 7\n")
    monkeypatch.setenv("AISCI_WHEEL_DIR", str(wheels))
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # air-gapped: the folder is all there is
    monkeypatch.setenv("AISCI_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "t"
    shutil.copytree(FIXTURE.parent / "argparse_template", copy)  # numpy only
    (copy / "probe_use.py").write_text("import aisci_fixture_probe\n")
    (copy / "experiment.py").write_text("import probe_use\n" + (copy / "experiment.py").read_text())
    result = CliRunner().invoke(app, ["template", "check", str(copy), "--fix"])
    listed = [x for x in (copy / "requirements.txt").read_text().splitlines() if "#" not in x]
    assert listed == ["aisci_fixture_probe==1.0"], result.output
    assert result.exit_code == 0, result.output
    assert "probed in aisci-sandbox-extra:" in result.output
