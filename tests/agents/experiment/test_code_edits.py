"""Edits come as SEARCH/REPLACE blocks, are all-or-nothing, and stay inside the code folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.experiment.code_edits import (
    CodeEdit,
    apply_edits,
    nearest_lines,
    read_coder_reply,
    unified_diff,
)
from agents.llm.replies import ReplyError

SOURCE = 'import argparse\nLR = 0.1  # step\nparser = argparse.ArgumentParser()\nparser.add_argument("--out_dir")\n'


@pytest.fixture
def code(tmp_path: Path) -> Path:
    (tmp_path / "experiment.py").write_text(SOURCE)
    return tmp_path


def test_a_valid_edit_is_applied(code: Path) -> None:
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="LR = 0.1  # step", replace="LR = 0.3  # step")])
    assert result.ok and result.changed == ["experiment.py"]
    assert "LR = 0.3  # step" in (code / "experiment.py").read_text()


@pytest.mark.parametrize(("edit", "reason"), [
    (CodeEdit(path="experiment.py", search="LR = 9", replace="x"), "is not in the file"),
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


def test_a_search_that_misses_is_answered_with_the_nearest_lines(code: Path) -> None:
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="LR = 0.10 # step size",
                                         replace="LR = 0.3")])
    assert not result.ok and "   2| LR = 0.1  # step" in result.reason


def test_trailing_spaces_do_not_make_a_search_miss(code: Path) -> None:
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="LR = 0.1  # step   ",
                                         replace="LR = 0.2")])
    assert result.ok and "LR = 0.2\n" in (code / "experiment.py").read_text()


def test_diff_shows_the_change(code: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    before = tmp_path_factory.mktemp("before")
    (before / "experiment.py").write_text(SOURCE)
    apply_edits(code, [CodeEdit(path="experiment.py", search="LR = 0.1", replace="LR = 0.3")])
    diff = unified_diff(before, code, ["experiment.py"])
    assert "-LR = 0.1  # step" in diff and "+LR = 0.3  # step" in diff


def test_a_reply_with_blocks_in_fences_and_prose_is_read() -> None:
    reply = read_coder_reply(
        "Sure! Here is the plan.\n\nRun 2: raise the learning rate to 0.3\n\n"
        "```python\nexperiment.py\n<<<<<<< SEARCH\nLR = 0.1  # step\n=======\nLR = 0.3  # step\n"
        ">>>>>>> REPLACE\n```\n\nThis should speed up training.")
    assert not reply.done and reply.description == "raise the learning rate to 0.3"
    assert reply.edits == [CodeEdit(path="experiment.py", search="LR = 0.1  # step",
                                    replace="LR = 0.3  # step")]


def test_done_and_whole_files_are_understood() -> None:
    assert read_coder_reply("DONE").done
    assert read_coder_reply("**Done.**").done
    whole = read_coder_reply("Run 1: new file\n```python\n" + SOURCE.replace("0.1", "0.4") + "```",
                             current=SOURCE)
    assert whole.edits[0].search == "" and "LR = 0.4" in whole.edits[0].replace


def test_a_reply_with_no_edit_is_a_reply_error() -> None:
    with pytest.raises(ReplyError, match="SEARCH/REPLACE"):
        read_coder_reply("I would change the learning rate.", current=SOURCE)


def test_nearest_lines_points_at_the_closest_part_of_the_file() -> None:
    assert nearest_lines(SOURCE, "LR = 0.2 # step").splitlines()[1] == "   2| LR = 0.1  # step"
