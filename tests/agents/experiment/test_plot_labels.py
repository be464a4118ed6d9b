"""Plots of all runs: a plot.py that draws only the runs of its `labels` dict (AI-Scientist's
convention) gets every run named before it is drawn: the coder makes the edit (here the offline
model, reading the same prompt), and the dict is read back to check it."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

from agents.domain import LLMCall, PlotLabels
from agents.experiment.plot_labels import labels_dict, left_out, name_every_run
from tests.support import offline_context

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "byo_template"
RUNS = {"run_0": "Baseline", "run_1": "LEARNING_RATE = 0.2", "run_2": "LEARNING_RATE = 0.01"}


def _code_dir(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    shutil.copy2(FIXTURE / "plot.py", code / "plot.py")
    return code


def test_the_labels_dict_is_read_and_what_it_leaves_out_is_named() -> None:
    code = (FIXTURE / "plot.py").read_text()
    assert labels_dict(code) == {"run_0": "Baselines"}
    assert left_out(code, RUNS) == ["run_1", "run_2"]
    assert labels_dict("labels = {r: r for r in runs}\n") is None  # not a literal: nothing to edit
    assert left_out("labels = dict(run_0='x')\n", RUNS) == []
    # filled from labels.json (aisci's own templates): not a selection by a literal dict
    assert labels_dict(Path("templates/tiny_mlp/plot.py").read_text()) is None


def test_every_run_is_named_before_plotting(tmp_path: Path) -> None:
    ctx: Any = offline_context(tmp_path)
    code = _code_dir(tmp_path)
    note = asyncio.run(name_every_run(ctx.llm, ctx.run.event, "small networks", code, RUNS, "idea"))
    assert note is None
    edited = (code / "plot.py").read_text()
    assert labels_dict(edited) == RUNS
    def without_dict(text: str) -> str:
        return re.sub(r"^labels = \{.*?^\}\n", "", text, flags=re.DOTALL | re.MULTILINE)

    assert without_dict(edited) == without_dict((FIXTURE / "plot.py").read_text())  # only the dict
    calls = [e for e in ctx.run.events() if isinstance(e, LLMCall)]
    assert [c.task for c in calls] == ["update_plot_labels"]


def test_a_script_that_still_leaves_runs_out_gets_a_note(tmp_path: Path) -> None:
    ctx: Any = offline_context(tmp_path)
    code = _code_dir(tmp_path)
    script = (code / "plot.py").read_text()
    # the dict is set twice: an edit of the first still leaves the second, which wins
    (code / "plot.py").write_text(script.replace("runs = list(labels.keys())",
                                                 'labels = {"run_0": "Baselines"}\n'
                                                 "runs = list(labels.keys())"))
    note = asyncio.run(name_every_run(ctx.llm, ctx.run.event, "small networks", code, RUNS, "idea"))
    assert note is not None and "leaves out run_1, run_2" in note
    assert [e.left_out for e in ctx.run.events() if isinstance(e, PlotLabels)][-1] == \
        ["run_1", "run_2"]


def test_a_plot_script_without_a_labels_dict_costs_no_call(tmp_path: Path) -> None:
    ctx: Any = offline_context(tmp_path)
    code = tmp_path / "code"
    code.mkdir()
    shutil.copy2(Path("templates/tiny_mlp/plot.py"), code / "plot.py")
    assert asyncio.run(name_every_run(ctx.llm, ctx.run.event, "small networks", code, RUNS, "idea")) is None
    assert not [e for e in ctx.run.events() if isinstance(e, LLMCall)]
