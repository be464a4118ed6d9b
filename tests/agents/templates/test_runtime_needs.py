"""`aisci template check` reads what a run needs from the code (parsed, never run): the imports
the sandbox lacks, --out_dir where the code defines it, data it downloads or does not ship, a
GPU it names outright. Each finding names the file and the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agents.errors import TemplateError
from agents.templates import runtime_needs
from agents.templates.check import check_template
from agents.templates.imports import distribution_for, local_modules_of, third_party_imports
from agents.templates.packages import read_requirements, unavailable_in

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "byo"
    shutil.copytree(FIXTURES / "byo_template", copy)
    return copy


def test_out_dir_in_an_imported_options_module_is_accepted(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    assert "--out_dir" not in (copy / "experiment.py").read_text()
    assert runtime_needs.out_dir_defined(copy) == "options.py"
    assert not any("--out_dir" in p for p in check_template(copy))
    (copy / "options.py").write_text((copy / "options.py").read_text().replace("--out_dir", "--out"))
    assert any("does not accept --out_dir" in p for p in check_template(copy))


def test_an_options_module_nobody_imports_does_not_count(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    source = (copy / "experiment.py").read_text()
    (copy / "experiment.py").write_text(source.replace("from options import parse_args\n", ""))
    assert runtime_needs.out_dir_defined(copy) is None


def test_imports_are_named_with_their_package_and_line(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "extra.py").write_text("import json\nimport sklearn.datasets\ntry:\n"
                                   "    import tqdm\nexcept ImportError:\n    tqdm = None\n")
    uses = {u.module: u for u in third_party_imports(copy)}
    assert set(uses) == {"einops", "matplotlib", "numpy", "sklearn", "tqdm"}  # not options, json
    assert (uses["einops"].file, uses["einops"].line) == ("experiment.py", 13)
    assert uses["sklearn"].distribution == "scikit-learn" and uses["tqdm"].optional
    assert distribution_for("PIL") == "pillow" and distribution_for("einops") == "einops"


def test_downloads_missing_data_and_a_hard_coded_gpu_are_found(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "experiment.py").write_text((copy / "experiment.py").read_text() + "\n".join([
        "",
        "import torchvision",
        "train = torchvision.datasets.MNIST(root='./data', download=True)",
        "tokens = np.memmap(os.path.join('../../data', 'shakespeare'), mode='r')",
        "cells = np.load(f'dataset/cells_{STEPS}.npy')",
        "device = 'cuda'",
        "safe = 'cuda' if os.environ.get('X') else 'cpu'",
        "out = os.path.join('results/', 'x.json')",
    ]) + "\n")
    lines = (copy / "experiment.py").read_text().splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if line.startswith(text))

    assert runtime_needs.downloads(copy) == [
        f"download=True in experiment.py line {line_of('train = ')}"]
    data = runtime_needs.missing_data(copy)
    assert any("'../../data'" in d and "outside the template folder" in d for d in data), data
    assert any("the template has no dataset/" in d for d in data), data
    assert not any("results" in d for d in data), data  # not data: a name without "data"
    assert runtime_needs.cuda_only(copy) == [f"experiment.py line {line_of('device = ')}"]
    (copy / "dataset").mkdir()
    assert not any("dataset/" in d for d in runtime_needs.missing_data(copy))


def test_local_modules_follow_the_imports_of_experiment_py(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "pkg").mkdir()
    (copy / "pkg" / "__init__.py").write_text("from .deep import x\n")
    (copy / "pkg" / "deep.py").write_text("x = '--out_dir'\n")
    (copy / "experiment.py").write_text("from pkg import x\n")
    assert [p.name for p in local_modules_of(copy)] == ["experiment.py", "__init__.py", "deep.py"]
    assert runtime_needs.out_dir_defined(copy) == "pkg/deep.py"
    (copy / "experiment.py").write_text("from ... import secrets\nfrom pkg import x\n")
    assert [p.name for p in local_modules_of(copy)] == ["experiment.py", "__init__.py", "deep.py"]


@pytest.mark.parametrize(("line", "message"), [
    ("--index-url http://evil.example/simple", "options such as '--index-url'"),
    ("-r other.txt", "options such as '-r'"),
    ("einops @ https://evil.example/einops.whl", "comes from a URL"),
    ("einops @ file:///etc/passwd", "comes from a URL"),
    ("../../etc/passwd", "is not a package requirement"),
])
def test_a_requirements_file_cannot_steer_the_hosts_pip(tmp_path: Path, line: str,
                                                         message: str) -> None:
    copy = _copy(tmp_path)
    (copy / "requirements.txt").write_text(f"numpy\n{line}\n")
    with pytest.raises(TemplateError, match=message):
        read_requirements(copy)


def test_plain_requirements_are_read(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "requirements.txt").write_text("# pinned\neinops==0.8.2  # tensors\n\n"
                                           "pandas[parquet]>=2; python_version >= '3.9'\n")
    assert read_requirements(copy) == ["einops==0.8.2",
                                       'pandas[parquet]>=2; python_version >= "3.9"']


def test_packages_no_index_has_are_named_from_pips_words() -> None:
    output = ("ERROR: Could not find a version that satisfies the requirement npeet (from "
              "versions: none)\nERROR: No matching distribution found for npeet\n")
    assert unavailable_in(output) == ["npeet"]
