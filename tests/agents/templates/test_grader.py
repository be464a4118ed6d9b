"""The grader declaration: every shipped template has one, its own code obeys it, and edits
that would move the measurement are told apart from edits of the method."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from agents.experiment.code_edits import CodeEdit, apply_edits
from agents.experiment.grading import check_job, edit_guard, prepare_job
from agents.templates import grader
from agents.templates.check import check_template
from agents.templates.grader import REFUSED, edit_problem, grader_print
from agents.templates.template import available_templates, load_template, templates_dir

SHIPPED = ["2d_diffusion", "grokking", "optim_digits", "tiny_mlp"]


def test_every_shipped_template_declares_a_grader_with_a_test_split() -> None:
    assert set(SHIPPED) <= set(available_templates())
    for name in SHIPPED:
        spec = load_template(name).grader
        assert spec is not None and spec.declared, name
        assert spec.functions and "main" in spec.functions and "__main__" in spec.functions, name
        assert spec.test_argument == "--eval_test" and spec.test_metric, name
        template = load_template(name)
        assert edit_problem(spec, template.path, {"experiment.py": template.code()}) is None, \
            f"{name}'s own code breaks its grader's rules"


def _tiny(tmp_path: Path) -> tuple[Path, str]:
    code = tmp_path / "code"
    shutil.copytree(templates_dir() / "tiny_mlp", code)
    return code, (code / "experiment.py").read_text()


def _edit(code: Path, search: str, replace: str, path: str = "experiment.py") -> str:
    guard = edit_guard(load_template("tiny_mlp"))
    result = apply_edits(code, [CodeEdit(path=path, search=search, replace=replace)], guard)
    return "" if result.ok else result.reason


GAMES = {
    "evaluate on the training data": (
        '            x_va, y_va = load_split(dataset, "val", seed)',
        '            x_va, y_va = load_split(dataset, "train", seed)'),
    "drop a group": ('DATASETS = ["moons", "circles", "spirals"]', 'DATASETS = ["moons"]'),
    "hard-code the metric": ("    return float(np.mean(predict(params, x) == y))",
                             "    return 0.99"),
    "change the seed list": ("SEEDS = [0, 1, 2]", "SEEDS = [3, 7, 11]"),
    "redefine the measurement later": (
        "def bce(logits, y):", "def accuracy(params, x, y):\n    return 1.0\n\n\ndef bce(logits, y):"),
    "rebind it from inside a function": (
        '    rng = np.random.default_rng(seed)\n    if LABEL_NOISE > 0:',
        '    global accuracy\n    accuracy = lambda *a: 1.0\n    rng = np.random.default_rng(seed)\n'
        '    if LABEL_NOISE > 0:'),
    "read the validation data in training": (
        '    rng = np.random.default_rng(seed)\n    if LABEL_NOISE > 0:',
        '    x_tr, y_tr = load_split("moons", "val", seed)\n    rng = np.random.default_rng(seed)\n'
        '    if LABEL_NOISE > 0:'),
    "write the results file itself": (
        '    rng = np.random.default_rng(seed)\n    if LABEL_NOISE > 0:',
        '    open("out/final_info.json", "w").write("{}")\n    rng = np.random.default_rng(seed)\n'
        '    if LABEL_NOISE > 0:'),
    "end the program early": (
        '    rng = np.random.default_rng(seed)\n    if LABEL_NOISE > 0:',
        '    import os\n    os._exit(0)\n    rng = np.random.default_rng(seed)\n'
        '    if LABEL_NOISE > 0:'),
}


@pytest.mark.parametrize("game", list(GAMES))
def test_an_edit_that_moves_the_measurement_is_refused_and_nothing_is_written(
        tmp_path: Path, game: str) -> None:
    code, before = _tiny(tmp_path)
    search, replace = GAMES[game]
    assert search in before, "the probe no longer matches the template"
    reason = _edit(code, search, replace)
    assert reason.startswith(REFUSED), reason
    assert (code / "experiment.py").read_text() == before


def test_the_held_out_data_cannot_be_edited_or_replaced(tmp_path: Path) -> None:
    code, _ = _tiny(tmp_path)
    for path in ("heldout/test.npz", "./heldout/new.py", "heldout/../heldout/x.py"):
        reason = _edit(code, "", "import numpy\n", path=path)
        assert reason.startswith(REFUSED) and "heldout" in reason, (path, reason)
    assert not (code / "heldout" / "new.py").exists()


def test_an_edit_of_the_method_passes(tmp_path: Path) -> None:
    code, _ = _tiny(tmp_path)
    assert _edit(code, "MOMENTUM = 0.0  # heavy-ball", "MOMENTUM = 0.9  # heavy-ball") == ""
    assert _edit(code, "def bce(logits, y):", "def smooth(v):\n    return v\n\n\ndef bce(logits, y):") == ""
    assert "MOMENTUM = 0.9" in (code / "experiment.py").read_text()


def test_a_job_whose_grader_differs_from_the_template_is_told_apart(tmp_path: Path) -> None:
    template = load_template("tiny_mlp")
    job, source = _tiny(tmp_path)
    assert prepare_job(template, job, test=False) == []
    assert not (job / "heldout").exists(), "a search job must not hold the held-out data"
    assert check_job(template, job, test=False) == []
    (job / "experiment.py").write_text(source.replace("MOMENTUM = 0.0", "MOMENTUM = 0.5"))
    assert check_job(template, job, test=False) == [], "a change of the method is not the grader's"
    (job / "experiment.py").write_text(source.replace("NUM_VAL = 400", "NUM_VAL = 40"))
    assert check_job(template, job, test=False) == ["def:NUM_VAL is not the template's"]
    assert prepare_job(template, job, test=True) == ["heldout"]
    assert (job / "heldout" / "test.npz").read_bytes() == \
        (template.path / "heldout" / "test.npz").read_bytes()
    (job / "experiment.py").write_text(source)
    (job / "heldout" / "test.npz").write_bytes(b"tampered")
    assert check_job(template, job, test=True) == ["file:heldout is not the template's"]


def test_a_protected_definition_is_fingerprinted_byte_for_byte(tmp_path: Path) -> None:
    template = load_template("tiny_mlp")
    assert template.grader is not None
    job, source = _tiny(tmp_path)
    want = grader_print(template.grader, template.path, heldout=False)
    (job / "experiment.py").write_text(source.replace("def accuracy(params, x, y):\n",
                                                      "def accuracy(params, x, y):  \n"))
    assert grader_print(template.grader, job, heldout=False).mismatches(want) == \
        ["def:accuracy is not the template's"]


def test_a_template_whose_declaration_is_wrong_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "t"
    shutil.copytree(templates_dir() / "tiny_mlp", copy)
    toml = (copy / "template.toml").read_text()
    (copy / "template.toml").write_text(toml.replace('"load_split", "accuracy"',
                                                     '"load_split", "score"'))
    assert any("function score is defined 0 times" in p for p in check_template(copy))
    (copy / "template.toml").write_text(toml.replace('heldout = ["heldout"]',
                                                     'heldout = ["../secrets"]'))
    assert any("must be relative, inside the template" in p for p in check_template(copy))
    (copy / "template.toml").write_text(toml.replace('private = ["load_split", ',
                                                     'private = ["forward", '))
    assert any("own experiment.py breaks its grader's rules" in p for p in check_template(copy))


def test_a_whole_file_that_only_relays_out_the_grader_gets_the_grader_back(tmp_path: Path) -> None:
    """Models that answer with a whole file drop comments and re-wrap lines: the grader's
    code is the same, so it is put back byte for byte; a changed measurement is refused."""
    from agents.experiment.grading import layout_keeper

    template = load_template("tiny_mlp")
    code, before = _tiny(tmp_path)
    relaid = before.replace("MOMENTUM = 0.0", "MOMENTUM = 0.9").replace(
        "    # the seed (so the method's choices never change the validation data)", "").replace(
        'DATASETS = ["moons", "circles", "spirals"]  # synthetic tasks, generated in code',
        "DATASETS = ['moons', 'circles', 'spirals']").replace(
        "def accuracy(params, x, y):\n    return float(np.mean(predict(params, x) == y))",
        "def accuracy(params, x, y):\n    return float(\n        np.mean(predict(params, x) == y))")
    assert relaid.count("'moons'") == 1 and "float(\n" in relaid
    result = apply_edits(code, [CodeEdit(path="experiment.py", search="", replace=relaid)],
                         edit_guard(template), layout_keeper(template))
    assert result.ok, result.reason
    after = (code / "experiment.py").read_text()
    assert "MOMENTUM = 0.9" in after
    assert check_job(template, code, test=False) == [], "the grader is the template's again"
    cheat = relaid.replace("np.mean(predict(params, x) == y))", "np.mean(predict(params, x) >= 0))")
    refused = apply_edits(code, [CodeEdit(path="experiment.py", search="", replace=cheat)],
                          edit_guard(template), layout_keeper(template))
    assert not refused.ok and refused.reason.startswith(REFUSED)


def test_the_coder_is_told_what_is_protected_and_the_offline_model_reads_it() -> None:
    from agents.offline_model.research import _knobs
    from agents.templates.describe import template_context

    template = load_template("tiny_mlp")
    prompt = template_context(template, template.metric(None), None, 3,
                              {"experiment.py": template.code()})
    assert "## The grader (protected)" in prompt
    for name in ("SEEDS", "DATASETS", "NUM_VAL", "DATA_NOISE", "accuracy", "load_split"):
        assert f"`{name}`" in prompt
    free = {k.name for k in _knobs(prompt)}
    assert "DATA_NOISE" not in free and {"MOMENTUM", "LEARNING_RATE"} <= free


SOURCES = [
    *(p.read_text(encoding="utf-8") for p in sorted(templates_dir().glob("*/*.py"))),
    "x = 1\r\ny = (1,\r\n  2)\r\n\fdef  f():\r\n\treturn 'é'\n@dec\nclass C:\n    a = 'ü'\n\n    b = 2\nz = 3",
    "a = 'é'; b = ('ü',\n 'x'); c = 1\rd = 2\r",
    "if True:\n    x = 1\nelse:\n    x = 2",
]


@pytest.mark.parametrize("source", SOURCES, ids=range(len(SOURCES)))
def test_definitions_are_the_statements_source_text_as_python_gives_it(source: str) -> None:
    """The grader's fingerprint of a definition is its exact source text: CRLF, lone CR, form
    feeds, tabs and multi-byte characters give what ``ast.get_source_segment`` gives."""
    tree = ast.parse(source)
    names = sorted({n for node in tree.body for n in grader._names_defined(node)})
    want: dict[str, list[str]] = {n: [] for n in names}
    for node in tree.body:
        for name in grader._names_defined(node):
            want[name].append(ast.get_source_segment(source, node, padded=True) or "")
    assert grader.definitions(source, names) == want
    assert grader.definitions(source, names) == want  # the second read is the cached one
