"""notes.md says how many variants ran, not only how many were reported.

From the 1.5B model's run on 2d_diffusion: three variants ran, run 2 was chosen on validation
and evaluated on the test data; its notes said "the baseline and 1 run that completed"."""

from __future__ import annotations

from pathlib import Path

from agents.domain import IdeaOutcome
from agents.experiment.notes import what_ran
from agents.templates.template import load_template

REPO = Path(__file__).resolve().parents[3]


def test_the_variants_line_counts_every_variant_tried_and_names_the_reported_one() -> None:
    path = REPO / "tests" / "fixtures" / "real_runs" / "2d_diffusion_schedules.outcome.json"
    outcome = IdeaOutcome.model_validate_json(path.read_text(encoding="utf-8"))
    [line] = [x for x in what_ran(outcome, load_template("2d_diffusion"), "docker")
              if x.startswith("Variants:")]
    assert "3 variants tried, 3 of which completed" in line, line
    assert line.endswith("reported on held-out test data: run 2 (Change BETA_SCHEDULE from "
                         "'linear' to 'quadratic'. Replace the lines with:)."), line
