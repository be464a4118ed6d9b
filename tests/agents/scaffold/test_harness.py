"""A from-scratch experiment written as science only (run_one, GROUPS, SEEDS): aisci's harness
adds the command line and final_info.json, the coder's own entry point is dropped, and a
run_one that returns something other than numbers fails the check with a plain message."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import numpy as np
import pytest

from agents.config.settings import ModelSettings
from agents.jobs.runner import JobRunner
from agents.llm.client import LLMClient
from agents.llm.replies import ReplyError
from agents.offline_model import model as offline_model
from agents.prompts import Task
from agents.run.folder import RunFolder
from agents.scaffold.harness import without_main_guard
from agents.scaffold.template_writer import LIMITS, ScaffoldFailed, read_scaffold, scaffold_template
from agents.templates.check import check_template
from sandbox.local import LocalSandbox

SCIENCE = '''import numpy as np

SCALE = 2.0  # how far apart the groups are
SEEDS = [0, 1, 2]  # one draw per seed
GROUPS = [1, 3]  # numbers, passed to run_one as they are


def run_one(group, seed):
    return {{"score": {score}, "seed_value": np.float64(seed)}}


if __name__ == "__main__":
    print(run_one(GROUPS[0], 0))
    raise SystemExit("the coder's own entry point ran")
'''


def _reply(score: str) -> str:
    return ("Metric: score (higher is better)\nData: none\nDescription: A score.\n\n"
            f"experiment.py\n```python\n{SCIENCE.format(score=score)}```\n")


def _scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reply: str) -> Path:
    """One attempt on the offline model, whose reply is ``reply``; the local sandbox."""
    monkeypatch.setitem(offline_model.HANDLERS, Task.SCAFFOLD,
                        lambda prompt: reply)
    run = RunFolder.create(tmp_path, "scratch")
    llm = LLMClient({}, default=ModelSettings(model="mock/aisci-offline"), on_event=lambda e: None)
    jobs = JobRunner(LocalSandbox(), run.path / "cache", parallel=1, run_id=run.id, event=run.event)
    return asyncio.run(scaffold_template(run, "a score", llm, jobs, max_attempts=1))


def test_the_harness_writes_final_info_from_run_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = _scaffold(tmp_path, monkeypatch, _reply("SCALE * group + seed"))
    info = json.loads((template.parent / "scaffold" / "attempt_1" / "run_0" / "final_info.json")
                      .read_text())
    assert info == {"1": {"means": {"score": 2.0, "seed_value": 0.0}},  # seed 0 only: no stderr
                    "3": {"means": {"score": 6.0, "seed_value": 0.0}}}
    code = (template / "experiment.py").read_text()
    assert "the coder's own entry point" not in code and code.count('__name__ == "__main__"') == 1
    assert 'argument = "--seed"' in (template / "template.toml").read_text()
    assert check_template(template) == []


def test_all_seeds_give_means_and_standard_errors(tmp_path: Path) -> None:
    scaffold = read_scaffold(_reply("SCALE * group + seed"))
    (tmp_path / "experiment.py").write_text(scaffold.experiment)
    run = RunFolder.create(tmp_path, "seeds")
    jobs = JobRunner(LocalSandbox(), run.path / "cache", parallel=1, run_id=run.id, event=run.event)
    outcome = asyncio.run(jobs.run(tmp_path, ["python", "experiment.py", "--out_dir=out"],
                                   LIMITS, labels={}, outputs="out",
                                   expected_files=("out/final_info.json",), what="all_seeds"))
    assert outcome.result.verdict == "ok", outcome.result.feedback()
    info = json.loads((tmp_path / "out" / "final_info.json").read_text())
    for group in (1, 3):  # scores 2g, 2g+1, 2g+2: mean 2g+1, standard error 1/sqrt(3)
        assert info[str(group)]["means"]["score"] == pytest.approx(2 * group + 1)
        assert info[str(group)]["stderrs"]["score"] == pytest.approx(1 / math.sqrt(3))


def test_a_run_one_that_returns_no_number_fails_the_check_plainly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScaffoldFailed):
        _scaffold(tmp_path, monkeypatch, _reply("'high'"))
    [attempt] = json.loads(next(tmp_path.glob("*/scaffold/scaffold.json")).read_text())
    assert "'score': 'high', which is not a number" in "\n".join(attempt["problems"])


def test_a_reply_with_neither_run_one_nor_a_whole_program_is_refused() -> None:
    with pytest.raises(ReplyError, match="run_one"):
        read_scaffold("Metric: acc (higher is better)\n```python\nprint('accuracy', 0.5)\n```")


def test_only_the_top_level_main_guard_is_dropped_and_line_numbers_stay() -> None:
    code = ('import sys\n\ndef f():\n    if __name__ == "__main__":\n        return 1\n\n'
            'if "__main__" == __name__:\n    f()\nX = 1\n')
    kept = without_main_guard(code)
    assert kept.splitlines()[:6] == code.splitlines()[:6] and "    f()" not in kept
    assert kept.rstrip().endswith("X = 1")


def test_the_global_generators_are_seeded_so_an_unpassed_seed_still_repeats(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = _scaffold(tmp_path, monkeypatch, _reply("np.random.rand()"))  # no seed passed
    info = json.loads((template.parent / "scaffold" / "attempt_1" / "run_0" / "final_info.json")
                      .read_text())
    assert info["1"]["means"]["score"] == pytest.approx(np.random.RandomState(0).rand())


def test_a_seed_that_gives_other_numbers_when_run_again_fails_the_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScaffoldFailed):  # a generator from fresh entropy: not the seed
        _scaffold(tmp_path, monkeypatch, _reply("np.random.default_rng().random()"))
    [attempt] = json.loads(next(tmp_path.glob("*/scaffold/scaffold.json")).read_text())
    assert "seed 0 gave a different score when run again" in "\n".join(attempt["problems"])
