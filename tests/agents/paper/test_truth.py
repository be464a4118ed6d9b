"""Claims, not just numbers: each kind of false claim built from the runs' real values is
caught, and its true twin (the same sentence, told truthfully) passes.

The fixture (conftest.py): the baseline, run 1 (MOMENTUM = 0.9, significantly better on both
groups) and run 2 (MOMENTUM = 0.5, no real change), three seeds each, on moons and circles.
"""

from __future__ import annotations

import pytest

from agents.domain.experiments import IdeaOutcome
from agents.paper.claims import check_claims
from agents.paper.facts import FactSheet, fact_sheet
from agents.paper.integrity import check_numbers
from agents.paper.truth import check_truth
from agents.paper.typeset import hidden_text
from tests.agents.paper.conftest import SEEDS, make_outcome


def _flags(text: str, sheet: FactSheet) -> list[str]:
    """Every finding of every check on ``text``, as the writer's checks see a Results section."""
    return ([f"number {p.number}" for p in check_numbers(text, sheet)[1]]
            + [f"claim {c}" for c in check_claims(text, sheet)]
            + [f.text() for f in check_truth(text, sheet, section="Results")]
            + hidden_text(text))


def _kinds(text: str, sheet: FactSheet) -> set[str]:
    return {f.kind for f in check_truth(text, sheet, section="Results")}


def _v(sheet: FactSheet, run: int, group: str, metric: str = "val_accuracy") -> str:
    return f"{sheet.stats[(run, group, metric)].mean:.4f}"


@pytest.fixture
def sheet(outcome: IdeaOutcome) -> FactSheet:
    return fact_sheet(outcome)


def _pair(sheet: FactSheet, kind: str) -> tuple[str, str]:
    """(the lie, its true twin) of one kind, from the fixture's real values."""
    v = lambda run, group, metric="val_accuracy": _v(sheet, run, group, metric)  # noqa: E731
    s = sheet.stats[(1, "moons", "val_accuracy")]
    assert s.std is not None
    se, sd = s.std / s.n ** 0.5, s.std
    diff = sheet.stats[(1, "circles", "val_accuracy")].mean - sheet.stats[(0, "circles", "val_accuracy")].mean
    base = sheet.stats[(0, "circles", "val_accuracy")].mean
    c = sheet.comparisons[(1, "moons")]
    assert c.p_adjusted is not None
    return {
        "attribution_group": (f"The baseline reaches {v(0, 'circles')} on moons and {v(0, 'moons')} "
                              f"on circles.",
                              f"The baseline reaches {v(0, 'moons')} on moons and {v(0, 'circles')} "
                              f"on circles."),
        "attribution_run": (f"On moons, the baseline reaches {v(1, 'moons')}, while run~1 reaches "
                            f"{v(0, 'moons')}.",
                            f"On moons, the baseline reaches {v(0, 'moons')}, while run~1 reaches "
                            f"{v(1, 'moons')}."),
        "attribution_described": (f"The variant with a momentum of 0.5 reaches {v(1, 'moons')} on "
                                  f"moons.",
                                  f"The variant with a momentum of 0.9 reaches {v(1, 'moons')} on "
                                  f"moons."),
        "direction": ("Run~1 lowers val\\_accuracy on circles relative to the baseline.",
                      "Run~1 raises val\\_accuracy on circles relative to the baseline."),
        "direction_lower_is_better": ("On circles, run~1 increases the loss compared with the "
                                      "baseline.",
                                      "On circles, run~1 reduces the loss compared with the "
                                      "baseline."),
        "significance": ("On moons, run~2 is significantly higher than the baseline.",
                         "On moons, run~1 is significantly higher than the baseline."),
        "significance_p": ("On circles, run~2 differs from the baseline ($p < 0.05$).",
                           "On circles, run~1 differs from the baseline ($p < 0.05$)."),
        "p_value": (f"On moons, run~1 differs from the baseline (Holm-corrected $p = "
                    f"{c.p_adjusted * 3:.4f}$).",
                    f"On moons, run~1 differs from the baseline (Holm-corrected $p = "
                    f"{c.p_adjusted:.4f}$)."),
        "average_significance": ("Averaged over the groups, run~2 is significantly higher than the "
                                 "baseline.",
                                 "Averaged over the groups, run~1 is significantly higher than the "
                                 "baseline."),
        "difference_as_value": (f"On circles, run~1 reached a val\\_accuracy of {diff:.4f}.",
                                f"On circles, run~1 reached a val\\_accuracy of {v(1, 'circles')}."),
        "period_in_parentheses": ("Run~2 (we set MOMENTUM to 0.5. Nothing else changed) is "
                                  "significantly higher than the baseline on moons.",
                                  "Run~1 (we set MOMENTUM to 0.9. Nothing else changed) is "
                                  "significantly higher than the baseline on moons."),
        "setting_sentence": ("We also ran run~2 with a momentum of 0.7.",
                             "We also ran run~2 with a momentum of 0.5."),
        "count": ("Every variant ran over 5 seeds.", "Every variant ran over 3 seeds."),
        "count_in_words": ("Every variant ran over five seeds.", "Every variant ran over three seeds."),
        "number_in_words": ("On circles, run~1 classifies ninety-one percent of the points "
                            "correctly.",
                            "On circles, run~1 classifies ninety-eight percent of the points "
                            "correctly."),
        "uncertainty": (f"On moons, run~1 reaches {v(1, 'moons')} $\\pm$ {sd:.4f} (standard error).",
                        f"On moons, run~1 reaches {v(1, 'moons')} $\\pm$ {se:.4f} (standard error)."),
        "derived_label": (f"On circles, run~1 raises val\\_accuracy by {diff * 100:.2f}\\% relative "
                          f"to the baseline.",
                          f"On circles, run~1 raises val\\_accuracy by {diff * 100:.2f} percentage "
                          f"points relative to the baseline."),
        "derived_relative": (f"On circles, run~1 raises val\\_accuracy by {diff / base * 100:.2f} "
                             f"percentage points over the baseline.",
                             f"On circles, run~1 raises val\\_accuracy by {diff / base * 100:.2f}\\% "
                             f"over the baseline."),
        "derived_cross_row": (f"On moons, run~1 reaches {v(1, 'moons')}, and the baseline reaches "
                              f"{v(0, 'circles')} on circles; the difference is "
                              f"{float(v(1, 'moons')) - float(v(0, 'circles')):.4f}.",
                              f"On moons, run~1 reaches {v(1, 'moons')}, and the baseline reaches "
                              f"{v(0, 'moons')} on moons; the difference is "
                              f"{float(v(1, 'moons')) - float(v(0, 'moons')):.4f}."),
        "ratio_in_words": ("On circles, run~1 is three times as accurate as the baseline.",
                           f"On circles, run~1 is {float(v(1, 'circles')) / base:.2f} times as "
                           f"accurate as the baseline."),
        "name": ("We train a Transformer on MNIST for every variant.",
                 "We train the network on moons for every variant."),
        "table_row": ("\\begin{tabular}{lcc}\nMethod & moons & circles \\\\\n"
                      f"Adam & {v(1, 'moons')} & {v(1, 'circles')} \\\\\n\\end{{tabular}}",
                      "\\begin{tabular}{lcc}\nMethod & moons & circles \\\\\n"
                      f"Run 1 & {v(1, 'moons')} & {v(1, 'circles')} \\\\\n\\end{{tabular}}"),
        "table_cell": ("\\begin{tabular}{lcc}\nRun & moons & circles \\\\\n"
                       f"Baseline & {v(0, 'circles')} & {v(0, 'moons')} \\\\\n\\end{{tabular}}",
                       "\\begin{tabular}{lcc}\nRun & moons & circles \\\\\n"
                       f"Baseline & {v(0, 'moons')} & {v(0, 'circles')} \\\\\n\\end{{tabular}}"),
        "table_star": ("\\begin{tabular}{lcc}\nRun & moons & circles \\\\\n"
                       f"Run 2 & {v(2, 'moons')}$^*$ & {v(2, 'circles')} \\\\\n\\end{{tabular}}",
                       "\\begin{tabular}{lcc}\nRun & moons & circles \\\\\n"
                       f"Run 1 & {v(1, 'moons')}$^*$ & {v(1, 'circles')} \\\\\n\\end{{tabular}}"),
        "table_transposed": ("\\begin{tabular}{lccc}\nDataset & Baseline & Run 1 & Run 2 \\\\\n"
                             f"moons & {v(1, 'moons')} & {v(0, 'moons')} & {v(2, 'moons')} \\\\\n"
                             "\\end{tabular}",
                             "\\begin{tabular}{lccc}\nDataset & Baseline & Run 1 & Run 2 \\\\\n"
                             f"moons & {v(0, 'moons')} & {v(1, 'moons')} & {v(2, 'moons')} \\\\\n"
                             "\\end{tabular}"),
        "table_setting": ("\\begin{tabular}{ll}\nSetting & Value \\\\\nMomentum & 0.7 \\\\\n"
                          "\\end{tabular}",
                          "\\begin{tabular}{ll}\nSetting & Value \\\\\nMomentum & 0.5 \\\\\n"
                          "\\end{tabular}"),
        "hidden": (f"\\iffalse On moons the baseline reaches {v(0, 'moons')}. \\fi",
                   f"\\emph{{On moons the baseline reaches {v(0, 'moons')}.}}"),
        "macro": ("\\newcommand{\\best}{0.99} The best run reaches \\best.",
                  f"The best run reaches {v(1, 'circles')} on circles."),
    }[kind]


KINDS = ["attribution_group", "attribution_run", "attribution_described", "direction",
         "direction_lower_is_better", "significance", "significance_p", "p_value",
         "difference_as_value", "period_in_parentheses", "setting_sentence", "average_significance", "count", "count_in_words", "number_in_words", "uncertainty",
         "derived_label", "derived_relative", "derived_cross_row", "ratio_in_words", "name",
         "table_row", "table_cell", "table_star", "table_transposed", "table_setting", "hidden",
         "macro"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_false_claim_is_caught_and_its_true_twin_passes(sheet: FactSheet, kind: str) -> None:
    lie, twin = _pair(sheet, kind)
    assert _flags(lie, sheet), f"the lie was not caught: {lie}"
    assert _flags(twin, sheet) == [], f"the true twin was flagged: {twin}"


@pytest.mark.parametrize(("kind", "finding"), [
    ("attribution_group", "attribution"), ("attribution_run", "attribution"),
    ("attribution_described", "attribution"), ("direction", "direction"),
    ("direction_lower_is_better", "direction"), ("significance", "significance"),
    ("significance_p", "p_value"), ("p_value", "p_value"), ("count", "count"),
    ("difference_as_value", "attribution"), ("period_in_parentheses", "significance"),
    ("setting_sentence", "setting"),
    ("count_in_words", "count"), ("uncertainty", "uncertainty"), ("derived_label", "derived"),
    ("derived_relative", "derived"), ("derived_cross_row", "derived"),
    ("ratio_in_words", "derived"), ("name", "name"), ("table_row", "table_row"),
    ("table_cell", "attribution"), ("table_star", "significance"),
    ("table_transposed", "attribution"), ("table_setting", "setting"),
])
def test_each_lie_is_named_by_its_kind(sheet: FactSheet, kind: str, finding: str) -> None:
    """The number check alone passes these (every number is a real value or a count): the
    claim check is what catches them, and it says what is wrong."""
    lie, _ = _pair(sheet, kind)
    assert finding in _kinds(lie, sheet), check_truth(lie, sheet, section="Results")


def test_a_true_sentence_names_the_runs_values_in_any_order(sheet: FactSheet) -> None:
    text = (f"Run~1 reaches {_v(sheet, 1, 'circles')} on circles, against {_v(sheet, 0, 'circles')} "
            f"for the baseline; run~2 and the baseline reach {_v(sheet, 2, 'moons')} and "
            f"{_v(sheet, 0, 'moons')} on moons, respectively.")
    assert _flags(text, sheet) == []


def test_negated_significance_is_what_the_evidence_allows(sheet: FactSheet) -> None:
    for text in ("On moons, run~2 is not significantly different from the baseline.",
                 "No difference of run~2 reaches significance after the Holm correction.",
                 "Run~2 changes val\\_accuracy by less than one point, a non-significant change."):
        assert _kinds(text, sheet) & {"significance", "p_value"} == set(), text


def test_with_one_seed_no_significance_and_no_p_value_may_be_claimed() -> None:
    single = fact_sheet(make_outcome({i: values[:1] for i, values in SEEDS.items()}))
    assert "significance" in _kinds("On moons, run~1 is significantly higher than the baseline.",
                                    single)
    assert "p_value" in _kinds("On moons, run~1 differs from the baseline (p = 0.01).", single)


def test_a_setting_is_not_read_as_a_result(sheet: FactSheet) -> None:
    text = ("Raising the momentum from 0.0 to 0.9 (run~1) raises val\\_accuracy on circles, "
            "while a lower momentum of 0.5 (run~2) leaves it where it was.")
    assert check_truth(text, sheet, section="Results") == []
    # as the real 1.5B model wrote it: a list of settings, plural, "respectively"
    text = ("We ran three variants: the baseline (no momentum), and two runs with momentums set to "
            "0.9 and 0.5, respectively.")
    assert check_truth(text, sheet, section="Results") == []


def test_a_sentence_about_cited_work_states_nothing_about_these_runs(sheet: FactSheet) -> None:
    cited = ("Heavy-ball momentum significantly improves accuracy over 100 epochs "
             "\\citep{polyak1964}.")
    assert check_truth(cited, sheet, section="Results") == []
    ours = "Run~2 significantly improves accuracy over 100 epochs \\citep{polyak1964}."
    assert {"significance"} <= {f.kind for f in check_truth(ours, sheet, section="Results")}
