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
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="LR == 0.1  # step",
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


def test_a_description_that_leads_into_the_code_keeps_only_the_change() -> None:
    """The 1.5B model's line on 2d_diffusion; it labelled the run in every table and sentence."""
    reply = read_coder_reply(
        "Run 2: Change BETA_SCHEDULE from 'linear' to 'quadratic'. Replace the lines with:\n"
        "experiment.py\n<<<<<<< SEARCH\nLR = 0.1  # step\n=======\nLR = 0.3  # step\n"
        ">>>>>>> REPLACE")
    assert reply.description == "Change BETA_SCHEDULE from 'linear' to 'quadratic'."


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


TRAIN = ("import argparse\n\nLR = 0.1  # step\nEPOCHS = 5\n\n\ndef step(w, g):\n    return w - LR * g\n\n\n"
         "def main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument(\"--out_dir\")\n\n\n"
         "if __name__ == \"__main__\":\n    main()\n")


def _applied(code: Path, reply: str) -> str:
    (code / "experiment.py").write_text(TRAIN)
    edits = read_coder_reply(reply, current=TRAIN).edits
    result = apply_edits(code, edits)
    assert result.ok, result.reason
    return (code / "experiment.py").read_text()


def test_a_unified_diff_is_read_as_the_same_edit(code: Path) -> None:
    text = _applied(code, "Run 1: a larger step\n```diff\n--- a/experiment.py\n+++ b/experiment.py\n"
                          "@@ -3,2 +3,2 @@\n-LR = 0.1  # step\n+LR = 0.5  # step\n EPOCHS = 5\n```")
    assert text == TRAIN.replace("LR = 0.1", "LR = 0.5")


def test_changed_definitions_replace_the_ones_of_the_same_name(code: Path) -> None:
    text = _applied(code, "Run 1: decay the step\n```python\nimport argparse\nLR = 0.2\nDECAY = 0.9\n\n"
                          "def step(w, g):\n    return w - LR * DECAY * g\n```")
    assert "LR = 0.2\nEPOCHS = 5" in text and "return w - LR * DECAY * g" in text
    assert text.index("DECAY = 0.9") < text.index("def step") and text.count("import argparse") == 1
    assert "def main():" in text and text.endswith("    main()\n")


@pytest.mark.parametrize("snippet", [
    "for epoch in range(EPOCHS):\n    pass",      # a loose statement: where it goes is not exact
    "LR = 0.1  # step\nEPOCHS = 5",               # nothing changes
    "LR = (0.2",                                   # not Python
])
def test_snippets_that_say_no_exact_edit_stay_a_reply_error(snippet: str) -> None:
    with pytest.raises(ReplyError, match="SEARCH/REPLACE"):
        read_coder_reply(f"Run 1: try\n```python\n{snippet}\n```", current=TRAIN)


def test_a_search_with_a_misremembered_value_sets_the_constant_by_name(code: Path) -> None:
    text = _applied(code, "Run 1: more\nexperiment.py\n<<<<<<< SEARCH\nLR = 0.9\n=======\nLR = 0.5\n"
                          ">>>>>>> REPLACE")
    assert "LR = 0.5\nEPOCHS = 5" in text and "0.1" not in text


def test_a_search_of_loose_lines_that_misses_is_still_rejected(code: Path) -> None:
    (code / "experiment.py").write_text(TRAIN)
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="    return w - 2 * g",
                                         replace="    return w - 3 * g")])
    assert not result.ok and "is not in the file" in result.reason


def test_only_the_first_run_of_a_reply_that_plans_two_is_taken() -> None:
    block = "experiment.py\n<<<<<<< SEARCH\nLR = 0.1  # step\n=======\nLR = {}  # step\n>>>>>>> REPLACE\n"
    reply = read_coder_reply(f"Run 1: 0.5\n\n{block.format(0.5)}\nRun 2: 0.9\n\n{block.format(0.9)}")
    assert reply.description == "0.5" and [e.replace for e in reply.edits] == ["LR = 0.5  # step"]
    alternatives = read_coder_reply(f"Run 1: try\n{block.format(0.5)}\n{block.format(0.9)}")
    assert [e.replace for e in alternatives.edits] == ["LR = 0.5  # step"]


@pytest.mark.parametrize("line", ["Run 2: says what this run changes",
                                  "Why: gives your reasoning in one sentence\nChange: set X to 2"])
def test_a_run_line_that_copies_the_prompts_placeholder_is_refused(line: str) -> None:
    reply = f"{line}\n\nexperiment.py\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE\n"
    with pytest.raises(ReplyError, match="copies a piece of the prompt's instructions"):
        read_coder_reply(reply)
    assert read_coder_reply(reply.replace(line, "Run 2: set X to 2")).edits


def test_the_scaffolds_placeholder_lines_are_refused() -> None:
    from agents.scaffold.template_writer import read_scaffold

    reply = ("Metric: val_accuracy (higher is better)\nData: one line saying what data the "
             "experiment uses and where it comes from\nDescription: An MLP.\n\nexperiment.py\n"
             "```python\nSEEDS = [0]\nGROUPS = ['a']\ndef run_one(group, seed):\n"
             "    return {'val_accuracy': 1.0}\n```\n")
    with pytest.raises(ReplyError, match=r"'Data: \.\.\.' copies"):
        read_scaffold(reply)
    assert read_scaffold(reply.replace("one line saying what data the experiment uses and where "
                                       "it comes from", "moons from scikit-learn")).metric == "val_accuracy"
def test_out_dir_must_stay_where_the_template_defines_it(tmp_path: Path) -> None:
    """An options module that defines --out_dir (AI-Scientist's tensorf, the byo fixture):
    experiment.py may be edited freely; the module may not lose it."""
    import shutil

    code = tmp_path / "code"
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "byo_template", code)
    ok = apply_edits(code, [CodeEdit(path="experiment.py", search="LEARNING_RATE = 0.05",
                                     replace="LEARNING_RATE = 0.2")])
    assert ok.ok, ok.reason
    dropped = apply_edits(code, [CodeEdit(path="options.py", search='"--out_dir"',
                                          replace='"--output"')])
    assert not dropped.ok and "options.py must keep accepting --out_dir" in dropped.reason
    assert "--out_dir" in (code / "options.py").read_text()


def test_a_block_without_its_divider_is_read_as_search_then_replacement() -> None:
    """The 1.5B model's reply in a CI run, at every try: the ``=======`` line left out and the
    replacement after ``>>>>>>> REPLACE``. Refused as no block, the idea failed."""
    reply = ("Run 1: set GRADIENT_CLIPPING to True\n\n```python\n<<<<<<< SEARCH\n"
             "LEARNING_RATE = 0.05  # SGD step size\nMOMENTUM = 0.0  # heavy-ball momentum\n"
             ">>>>>>> REPLACE\n\nLEARNING_RATE = 0.05  # SGD step size\n"
             "MOMENTUM = 0.0  # heavy-ball momentum\nGRADIENT_CLIPPING = True  # clip\n\n```")
    parsed = read_coder_reply(reply)
    assert parsed.description == "set GRADIENT_CLIPPING to True"
    assert [(e.path, e.search, e.replace) for e in parsed.edits] == [(
        "experiment.py",
        "LEARNING_RATE = 0.05  # SGD step size\nMOMENTUM = 0.0  # heavy-ball momentum",
        "LEARNING_RATE = 0.05  # SGD step size\nMOMENTUM = 0.0  # heavy-ball momentum\n"
        "GRADIENT_CLIPPING = True  # clip")]


def test_an_empty_block_without_a_divider_is_still_no_edit() -> None:
    with pytest.raises(ReplyError):
        read_coder_reply("Run 1: set GRADIENT_CLIPPING to True\n\nSEARCH\n=======\n>>>>>>> REPLACE")
