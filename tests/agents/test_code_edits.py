"""Edits are all-or-nothing and stay inside the idea's code folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.code_edits import apply_edits, unified_diff
from agents.models import CodeEdit

SOURCE = 'import argparse\nLR = 0.1  # step\nparser = argparse.ArgumentParser()\nparser.add_argument("--out_dir")\n'


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "experiment.py").write_text(SOURCE)
    return tmp_path


def test_a_valid_edit_is_applied(code: Path) -> None:
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="LR = 0.1", replace="LR = 0.3")])
    assert result.ok and result.changed == ["experiment.py"]
    assert "LR = 0.3  # step" in (code / "experiment.py").read_text()


@pytest.mark.parametrize(("edit", "reason"), [
    (CodeEdit(path="experiment.py", search="LR = 9", replace="x"), "occurs 0 times"),
    (CodeEdit(path="../outside.py", search="", replace="print(1)"), "inside the code folder"),
    (CodeEdit(path="/etc/evil.py", search="", replace="print(1)"), "inside the code folder"),
    (CodeEdit(path="experiment.py", search="LR = 0.1", replace="LR = (0.1"), "would not compile"),
    (CodeEdit(path="experiment.py", search='parser.add_argument("--out_dir")\n', replace=""),
     "--out_dir"),
    (CodeEdit(path="run.sh", search="", replace="rm -rf /"), "only Python files"),
])
def test_a_bad_edit_is_rejected_and_changes_nothing(code: Path, edit: CodeEdit, reason: str) -> None:
    first = CodeEdit(path="experiment.py", search="import argparse\n", replace="import argparse  # cli\n")
    result = apply_edits(code, [first, edit])
    assert not result.ok and reason in result.reason
    assert (code / "experiment.py").read_text() == SOURCE
    assert not (code.parent / "outside.py").exists()


def test_diff_shows_the_change(code: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    before = tmp_path_factory.mktemp("before")
    (before / "experiment.py").write_text(SOURCE)
    apply_edits(code, [CodeEdit(path="experiment.py", search="LR = 0.1", replace="LR = 0.3")])
    diff = unified_diff(before, code, ["experiment.py"])
    assert "-LR = 0.1  # step" in diff and "+LR = 0.3  # step" in diff
