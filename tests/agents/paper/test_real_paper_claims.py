"""The lies of a real paper are caught, built from that run's own files.

The 1.5B model's run on 2d_diffusion ("noise schedules that help small diffusion models cover
every mode"): the baseline (linear beta schedule), cosine (run 1, run 3) and quadratic (run 2,
chosen on validation and tested). Its paper passed the integrity check with three false
sentences (``LIES``): the cosine schedule did not outperform the quadratic one (validation
KL 0.03202 against 0.03116); -0.01794 is run 2's difference from the baseline on circle
(corrected p = 0.136), not a KL it reached, nor a significant one; and no run changed
NUM_TIMESTEPS (the idea's optional run, written up as done). ``outcome.json`` is that
run's file, unchanged; the template's code is the repository's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.domain import IdeaOutcome
from agents.paper.facts import FactSheet, fact_sheet
from agents.paper.integrity import check_numbers
from agents.paper.truth import check_truth

REPO = Path(__file__).resolve().parents[3]

LIES = {
    "Our results show that the cosine schedule outperforms both the linear and quadratic "
    "schedules on all four datasets.": {"direction"},
    "Run 2 (Change BETA\\_SCHEDULE from 'linear' to 'quadratic'. Replace the lines with:) "
    "reached a test\\_kl\\_divergence of -0.01794, which is significantly lower by -0.01794 "
    "(1.794 percentage points) and where lower is better.": {"attribution", "significance"},
    # from the same Results paragraph: percentage points of a KL divergence
    "On circle, run 2 lowers the test\\_kl\\_divergence by 0.01794 (1.794 percentage points) "
    "compared with the baseline.": {"derived"},
    # a p-value in scientific notation was read as its mantissa (8.25 for 8.25e-06), with a
    # tolerance of 0.5: any p with that mantissa passed, and the true one was "not computed"
    "On gmm, run 2 differs from the baseline (Holm-corrected p = 8.25e-03).": {"p_value"},
    # the idea's optional run, written up as run: every run kept NUM_TIMESTEPS = 100
    "We also added a run with NUM\\_TIMESTEPS = 50 to see whether the best schedule depends on "
    "T.": {"setting"},
}
TRUE = [
    "Our results show that the quadratic schedule outperforms both the linear and cosine "
    "schedules.",
    "On gmm, run 2 reached a test\\_kl\\_divergence of 0.0505, significantly lower than the "
    "baseline's 0.1281.",
    "The linear schedule is worse than the quadratic schedule on spiral.",
    "Every variant ran with NUM\\_TIMESTEPS = 100.",
    "On gmm, run 2 differs from the baseline (Holm-corrected p = 8.25e-06).",
    "On circle, run 2 lowers the test\\_kl\\_divergence by 0.01794 compared with the baseline.",
    "A future study could set NUM\\_TIMESTEPS to 50 to see whether the best schedule depends on T.",
    "The denoiser is an MLP with linear layers and a sinusoidal embedding; the cosine of the "
    "angle is not used.",
]


@pytest.fixture(scope="module")
def sheet() -> FactSheet:
    path = REPO / "tests" / "fixtures" / "real_runs" / "2d_diffusion_schedules.outcome.json"
    outcome = IdeaOutcome.model_validate_json(path.read_text(encoding="utf-8"))
    code = (REPO / "templates" / "2d_diffusion" / "experiment.py").read_text(encoding="utf-8")
    return fact_sheet(outcome, code)


def _found(text: str, sheet: FactSheet) -> set[str]:
    kinds = {f.kind for f in check_truth(text, sheet, section="Results")}
    return kinds | {"number" for _ in check_numbers(text, sheet)[1]}


@pytest.mark.parametrize("lie", LIES)
def test_the_real_papers_false_sentences_are_caught(lie: str, sheet: FactSheet) -> None:
    assert LIES[lie] <= _found(lie, sheet), check_truth(lie, sheet, section="Results")


@pytest.mark.parametrize("true", TRUE)
def test_true_sentences_about_the_same_runs_pass(true: str, sheet: FactSheet) -> None:
    assert _found(true, sheet) == set(), check_truth(true, sheet, section="Results")
