"""Comparative wording needs a significant difference: "improves" about noise is flagged."""

from __future__ import annotations

from agents.domain.experiments import IdeaOutcome
from agents.paper.claims import check_claims
from agents.paper.facts import fact_sheet
from tests.agents.paper.conftest import SEEDS, make_outcome


def test_the_fixture_has_one_significant_run(outcome: IdeaOutcome) -> None:
    sheet = fact_sheet(outcome)
    assert sheet.significant_better == {1: True, 2: False}


def test_an_improvement_that_is_significant_may_be_claimed(outcome: IdeaOutcome) -> None:
    assert check_claims("Run~1 improves accuracy on both groups.", fact_sheet(outcome)) == []


def test_a_planted_improves_on_a_non_significant_difference_is_flagged(outcome: IdeaOutcome) -> None:
    sentence = "Run~2 improves accuracy over the baseline."
    assert check_claims(sentence, fact_sheet(outcome)) == [sentence]
    assert check_claims("Run 2 is better than the baseline, and faster.", fact_sheet(outcome))


def test_negated_and_definitional_wording_passes(outcome: IdeaOutcome) -> None:
    sheet = fact_sheet(outcome)
    for ok in ("Run~2 does not improve on the baseline.",
               "There is no significant improvement for run~2.",
               "Accuracy, where higher is better, is reported per group."):
        assert check_claims(ok, sheet) == [], ok


def test_with_one_seed_nothing_may_be_claimed_better() -> None:
    single = make_outcome({i: values[:1] for i, values in SEEDS.items()})
    assert check_claims("Run~1 improves accuracy.", fact_sheet(single))
