"""The writer is shown each comparison as a true sentence; copied into a paper, every one of
them passes every check, and it says the direction and the significance the runs have."""

from __future__ import annotations

from agents.domain.experiments import IdeaOutcome
from agents.paper.claims import check_claims
from agents.paper.facts import fact_sheet
from agents.paper.integrity import check_numbers
from agents.paper.statements import statements
from agents.paper.truth import check_truth
from agents.tex import latex_escape
from tests.agents.paper.conftest import SEEDS, make_outcome


def _lines(outcome: IdeaOutcome) -> list[str]:
    return [latex_escape(line[2:]) for line in statements(outcome).splitlines()]


def test_every_statement_passes_every_check(outcome: IdeaOutcome) -> None:
    sheet = fact_sheet(outcome)
    for line in _lines(outcome):
        assert check_numbers(line, sheet)[1] == [], line
        assert check_claims(line, sheet) == [], line
        assert check_truth(line, sheet, section="Results") == [], line


def test_statements_say_direction_and_significance(outcome: IdeaOutcome) -> None:
    text = statements(outcome)
    assert "On circles, run 1 (MOMENTUM = 0.9) reaches a val_accuracy of 0.9775 against 0.6883" in text
    assert "higher by 0.2892 (28.92 percentage points" in text
    circles_2 = next(line for line in text.splitlines() if "On circles, run 2" in line)
    assert "not significant" in circles_2 and "do not call it significant" in circles_2
    over = next(line for line in text.splitlines() if "Over the groups" in line and "run 1" in line)
    assert "not tested" in over, "the mean over groups has no test"


def test_with_one_seed_every_statement_says_untested() -> None:
    single = make_outcome({i: values[:1] for i, values in SEEDS.items()})
    sheet = fact_sheet(single)
    comparisons = [line for line in _lines(single) if line.startswith("On ")]
    assert comparisons and all("not tested" in line for line in comparisons)
    for line in _lines(single):
        assert check_truth(line, sheet, section="Results") == [], line


def test_percentage_points_only_for_a_metric_that_is_a_share(outcome: IdeaOutcome) -> None:
    """The 1.5B model's 2d_diffusion paper copied "1.794 percentage points" of a KL difference
    from these sentences; a KL divergence is no share, an accuracy is. Every statement of that
    run still passes every check."""
    from pathlib import Path

    assert "percentage points" in statements(outcome)
    path = (Path(__file__).resolve().parents[2] / "fixtures" / "real_runs"
            / "2d_diffusion_schedules.outcome.json")
    kl = IdeaOutcome.model_validate_json(path.read_text(encoding="utf-8"))
    assert "percentage points" not in statements(kl)
    assert "relative change" in statements(kl)
    sheet = fact_sheet(kl)
    for line in _lines(kl):
        assert check_truth(line, sheet, section="Results") == [], line
        assert check_numbers(line, sheet)[1] == [], line
