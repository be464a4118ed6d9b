"""Writing an experiment from scratch: a contract mistake gets a plain next step, and a fix
that repeats a failed attempt's code is not run again: a new draft, sampled hotter, follows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agents.config.settings import ModelSettings
from agents.domain import SandboxRun
from agents.jobs.runner import JobRunner
from agents.llm.client import LLMClient
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task
from agents.run.folder import RunFolder
from agents.scaffold.hints import hints
from agents.scaffold.template_writer import REPEAT_TEMPERATURE, scaffold_template
from agents.templates.check import check_template
from agents.templates.template import load_template
from sandbox.local import LocalSandbox

EXPERIMENT = '''import argparse
import json
import os

import numpy as np

SEEDS = [0, 1]  # random seeds
NOISE = 0.1  # noise level


def main(out_dir, seeds):
    os.makedirs(out_dir, exist_ok=True)
    scores = [float(np.random.default_rng(s).normal(1.0, NOISE)) for s in seeds]
    with open(os.path.join(out_dir, "final_info.json"), "w") as f:
        json.dump({{"all": {{"means": {{"score": float(np.mean(scores))}},
                            "stderrs": {{"score": 0.0}}}}}}, f)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", default="run_0")
    parser.add_argument("--seed", type=int){extra}
    args = parser.parse_args()
    main(args.out_dir, SEEDS if args.seed is None else [args.seed])
'''


def _reply(runs: bool) -> str:
    """A reply whose experiment runs, or one that wants a setting as a required argument."""
    code = EXPERIMENT.format(extra="" if runs else
                             '\n    parser.add_argument("--noise", type=float, required=True)')
    return ("Metric: score (higher is better)\nData: numbers drawn with numpy\n"
            "Description: A noisy score.\n\nexperiment.py\n```python\n" + code + "```\n\n"
            "plot.py\n```python\nimport matplotlib.pyplot as plt\nplt.savefig('a.png')\n```\n")


def _scaffold(tmp_path: Path, max_attempts: int) -> tuple[RunFolder, Path]:
    """A scaffold on the offline model (its handlers as the test set them), local sandbox."""
    run = RunFolder.create(tmp_path, "scratch")
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"), on_event=lambda e: None)
    jobs = JobRunner(LocalSandbox(), run.path / "cache", parallel=1, run_id=run.id, event=run.event)
    return run, asyncio.run(scaffold_template(run, "noisy scores", llm, jobs,
                                              max_attempts=max_attempts))


def test_a_repeated_fix_is_not_rerun_and_the_contract_hint_goes_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drafts: list[str] = []
    fixes: list[str] = []
    temperatures: list[Any] = []

    def draft(asked: Asked) -> str:
        prompt = asked.prompt
        drafts.append(prompt)
        return _reply(runs=len(drafts) > 1)

    def fix(asked: Asked) -> str:
        prompt = asked.prompt
        fixes.append(prompt)
        return _reply(runs=False)  # shown its failed code, the model returns it unchanged

    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD, draft)
    monkeypatch.setitem(offline_model.HANDLERS, Task.FIX_SCAFFOLD, fix)
    run = RunFolder.create(tmp_path, "scratch")
    events: list[dict[str, Any]] = []
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"), on_event=lambda e: events.append(e.model_dump()))
    asking = llm.complete

    async def complete(role: str, task: str, convo: Any, **kwargs: Any) -> Any:
        temperatures.append(kwargs["settings"].temperature)
        return await asking(role, task, convo, **kwargs)

    monkeypatch.setattr(llm, "complete", complete)
    jobs = JobRunner(LocalSandbox(), run.path / "cache", parallel=1, run_id=run.id, event=run.event)

    template = asyncio.run(scaffold_template(run, "noisy scores", llm, jobs, max_attempts=3))

    attempts = json.loads((run.path / "scaffold" / "scaffold.json").read_text())
    assert [a["verdict"] for a in attempts] == ["failed", "failed", "ok"]
    assert "the following arguments are required" in "\n".join(attempts[0]["problems"])
    hint = "not a required command-line argument"  # the contract's next step
    assert hint in "\n".join(attempts[0]["problems"])
    assert len(fixes) == 1 and hint in fixes[0]
    assert attempts[1]["repeats"] == 1, "the repeat was not recognised"
    ran = [e.run for e in run.events() if isinstance(e, SandboxRun)]
    assert ran == ["scaffold_1", "scaffold_3", "scaffold_3_again"], "the repeated code ran again"
    assert len(drafts) == 2, "after a repeat, the next attempt is a new draft"
    assert temperatures[0] == temperatures[1] != REPEAT_TEMPERATURE
    assert temperatures[2] == REPEAT_TEMPERATURE  # the draft after a repeat is sampled hotter
    assert (template / "template.toml").is_file()


def test_an_attempt_with_no_usable_reply_is_failed_and_the_next_starts_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def write(question: Asked) -> str:
        asked.append(question.prompt)
        if len(asked) <= 3:  # the first question and both of its repairs: no --out_dir
            return _reply(runs=True).replace("--out_dir", "--output")
        return _reply(runs=True)

    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD, write)
    run, template = _scaffold(tmp_path, max_attempts=2)

    attempts = json.loads((run.path / "scaffold" / "scaffold.json").read_text())
    assert [a["verdict"] for a in attempts] == ["no_usable_reply", "ok"]
    assert "run_one" in attempts[0]["detail"]
    assert len(asked) == 4 and (template / "experiment.py").is_file()


def test_an_experiment_without_a_seed_argument_runs_its_own_seeds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unseeded = _reply(runs=True).replace('    parser.add_argument("--seed", type=int)\n', "")
    unseeded = unseeded.replace("SEEDS if args.seed is None else [args.seed]", "SEEDS")
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD,
                        lambda prompt: unseeded)
    _, template = _scaffold(tmp_path, max_attempts=1)

    assert "--seed" not in (template / "experiment.py").read_text()
    assert "[seed]" not in (template / "template.toml").read_text()
    assert check_template(template) == []
    assert load_template(str(template)).seed.possible is False  # one job per run, its own seeds


def test_the_out_dir_folder_exists_before_the_experiment_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forgetful = _reply(runs=True).replace("    os.makedirs(out_dir, exist_ok=True)\n", "")
    assert "makedirs" not in forgetful
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD,
                        lambda prompt: forgetful)
    _, template = _scaffold(tmp_path, max_attempts=1)
    assert (template / "experiment.py").read_text().count("makedirs") == 0


def test_the_metric_is_taken_as_final_info_spells_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    capitalised = _reply(runs=True).replace("Metric: score", "Metric: Score")
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD,
                        lambda prompt: capitalised)
    _, template = _scaffold(tmp_path, max_attempts=1)
    assert 'primary_metric = "score"' in (template / "template.toml").read_text()


@pytest.mark.parametrize(("stderr", "hint"), [
    ("experiment.py: error: unrecognized arguments: --seed=0", "accept --out_dir and --seed"),
    ("experiment.py: error: the following arguments are required: --learning_rate",
     "not a required command-line argument"),
    ("    X = datasets.load_digits()\nNameError: name 'datasets' is not defined",
     "uses datasets without defining or importing it"),
    ("UnboundLocalError: cannot access local variable 'X' where it is not associated with a "
     "value", "experiment.py reads X on a path that never set it"),
    ("UnboundLocalError: local variable 'model' referenced before assignment",
     "experiment.py reads model on a path that never set it"),
    ("    X_train, X_val, y_train, y_val = train_test_split(load_digits(), load_digits().target)\n"
     "ValueError: Found input variables with inconsistent numbers of samples: [7, 1797]",
     "write `X, y = load_digits(return_X_y=True)`"),
    ("    X = np.concatenate((load_iris(), load_iris()))\n"
     "ValueError: zero-dimensional arrays cannot be concatenated", "load_iris() returns a Bunch"),
    ("ImportError: cannot import name 'load_moons' from 'sklearn.datasets' "
     "(/opt/venv/lib/python3.11/site-packages/sklearn/datasets/__init__.py)",
     "sklearn.datasets has no load_moons: import only names that exist there. scikit-learn "
     "generates synthetic data with make_* (make_moons"),
    ("ImportError: cannot import name 'AdamClassifier' from 'sklearn.linear_model' (/opt/x.py)",
     "sklearn.linear_model has no AdamClassifier: import only names that exist there."),
])
def test_contract_errors_get_a_next_step(stderr: str, hint: str) -> None:
    [given] = hints([f"verdict: error (exit code 1)\nstderr (tail):\n{stderr}"])
    assert hint in given


def test_a_scientific_error_gets_no_contract_hint() -> None:
    assert hints(["ValueError: Input contains NaN"]) == []


def test_the_hints_are_a_table_a_row_added_there_is_used(tmp_path: Path) -> None:
    from agents.scaffold.hints import TABLE, hint_table

    table = tmp_path / "hints.toml"
    table.write_text(TABLE.read_text() + '\n[[hint]]\npattern = "RecursionError: (?P<what>.+)"\n'
                     'advice = "experiment.py recursed without end ({what}): use a loop."\n')
    rows = hint_table(table)
    assert len(rows) == len(hint_table()) + 1
    error = "RecursionError: maximum recursion depth exceeded"
    assert [h.advice.format(**m.groupdict()) for h in rows for m in h.pattern.finditer(error)] \
        == ["experiment.py recursed without end (maximum recursion depth exceeded): use a loop."]
    assert hints([error]) == [], "the shipped table has no such row"


def test_a_hint_that_names_a_group_its_pattern_lacks_is_refused(tmp_path: Path) -> None:
    from agents.scaffold.hints import hint_table

    table = tmp_path / "hints.toml"
    table.write_text('[[hint]]\npattern = "KeyError: (\\\\w+)"\nadvice = "no key {key}"\n')
    with pytest.raises(ValueError, match="key"):
        hint_table(table)
