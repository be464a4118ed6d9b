"""Every number in a paper must be a value of the runs, or a derivation the checker can name,
at the precision it is printed with; references must resolve; the results table is locked."""

from __future__ import annotations

import pytest

from agents.domain.experiments import IdeaOutcome
from agents.paper.facts import fact_sheet
from agents.paper.integrity import check_numbers, check_references, check_table
from agents.paper.numbers import numbers, units
from agents.paper.results_table import results_table
from agents.prompts.format import number


def _problems(outcome: IdeaOutcome, text: str) -> list[str]:
    return [p.number for p in check_numbers(text, fact_sheet(outcome))[1]]


def _value(outcome: IdeaOutcome, run: int, group: str) -> str:
    info = outcome.runs[run].final_info
    assert info is not None
    return number(info.value(group, "val_accuracy"))


def test_numbers_from_the_runs_pass(outcome: IdeaOutcome) -> None:
    text = (f"On moons the baseline reaches {_value(outcome, 0, 'moons')} and run~1 reaches "
            f"{_value(outcome, 1, 'moons')}. On circles, run~2 reaches {_value(outcome, 2, 'circles')}.")
    assert _problems(outcome, text) == []


def test_rounded_values_and_named_derivations_pass(outcome: IdeaOutcome) -> None:
    base, run1 = (outcome.runs[i].final_info.value("moons", "val_accuracy") for i in (0, 1))  # type: ignore[union-attr]
    assert base is not None and run1 is not None
    text = (f"On moons, accuracy rises from {base:.2f} to {run1:.2f} for run~1, a gain of "
            f"{run1 - base:.3f} ({(run1 - base) / base * 100:.1f}\\%).")
    assert _problems(outcome, text) == []


@pytest.mark.parametrize("where", ["sentence_final", "mid_sentence", "caption", "table", "macro"])
def test_a_planted_number_is_caught_wherever_it_is(outcome: IdeaOutcome, where: str) -> None:
    true = _value(outcome, 1, "moons")
    planted = {
        "sentence_final": f"On moons, run~1 reaches {true} and on circles it rises to 0.9931.",
        "mid_sentence": f"On circles run~1 reaches 0.9931 while on moons it reaches {true}.",
        "caption": r"\begin{figure}\caption{Accuracy of run~1 on circles reaches 0.9931.}\end{figure}",
        "table": "\\begin{tabular}{lc}\nRun & circles \\\\\nrun 1 & 0.9931 \\\\\n\\end{tabular}",
        "macro": r"On circles, run~1 reaches \num{0.9931}.",
    }[where]
    assert _problems(outcome, planted) == ["0.9931"]


def test_integers_percentages_and_scientific_numbers_are_checked(outcome: IdeaOutcome) -> None:
    assert _problems(outcome, "Run~1 improves accuracy on moons by 42\\% .") == ["42\\%"]
    assert _problems(outcome, "Training took 1234 steps on circles.") == ["1234"]
    assert _problems(outcome, "The loss on moons falls to $3.2\\times10^{-4}$ for run~1.")


def test_structural_numbers_are_not_flagged(outcome: IdeaOutcome) -> None:
    text = (r"Table~\ref{tab:results} and Figure~2 (Section 3) show n = 3 seeds over 2 groups "
            r"\citep{he2016} (2016), with 95\% confidence intervals at $\alpha = 0.05$; "
            r"see run~1, run 2 and 2-D data. Momentum was 0.9.")
    assert _problems(outcome, text) == []


def test_a_sentence_that_names_a_group_is_held_to_that_group(outcome: IdeaOutcome) -> None:
    circles = _value(outcome, 1, "circles")
    assert _problems(outcome, f"On moons, run~1 reaches {circles}.") == [circles]


def test_interval_bounds_and_p_values_need_words_that_call_for_them(outcome: IdeaOutcome) -> None:
    stats = outcome.runs[1].stats
    assert stats is not None
    moons = stats.get("moons", "val_accuracy")
    assert moons is not None and moons.ci_low is not None
    low = number(moons.ci_low)
    assert _problems(outcome, f"On moons run~1 reaches {low}.") == [low]
    assert _problems(outcome, f"On moons run~1 has a 95\\% confidence interval from {low}.") == []


def test_the_number_finder_sees_sentence_final_and_signed_numbers() -> None:
    found = [n.text for n in numbers("It rises to 0.9931. It falls by -0.02, then $-0.5$.")]
    assert found == ["0.9931", "-0.02", "-0.5"]
    assert [n.value for n in numbers("$-0.5$")] == [-0.5]


def test_units_are_sentences_captions_and_rows() -> None:
    tex = ("First sentence. Second one.\n\\begin{figure}\\caption{A caption.}\\end{figure}\n"
           "\\begin{tabular}{lc}\nRun & x \\\\\nA & 1 \\\\\n\\end{tabular}")
    kinds = [(u.kind, u.text) for u in units(tex)]
    assert ("caption", "A caption.") in kinds and ("row", "A & 1") in kinds
    assert ("sentence", "First sentence.") in kinds and ("sentence", "Second one.") in kinds


def test_a_display_line_is_a_unit_so_a_removal_takes_out_that_line_alone(
        outcome: IdeaOutcome) -> None:
    from agents.paper.removal import remove_unit

    text = ("We train on three tasks.\n\\begin{align*}\n\\textbf{Split:} & \\text{all points} "
            "\\\\\n\\textbf{Accuracy:} & \\text{0.5712 on moons} \\\\\n"
            "\\textbf{Seeds:} & \\text{two}\n\\end{align*}\nNothing else changed.")
    [problem] = check_numbers(text, fact_sheet(outcome))[1]
    assert problem.unit == "\\textbf{Accuracy:} & \\text{0.5712 on moons}"
    left, gone = remove_unit(text, problem.unit)
    assert gone and "\\begin{align*}" in left and "\\textbf{Seeds:}" in left
    assert "Nothing else changed." in left and check_numbers(left, fact_sheet(outcome))[1] == []


def test_the_results_table_is_locked(outcome: IdeaOutcome) -> None:
    table = results_table(outcome)
    source = f"Text.\n\n{table}\n\nMore."
    assert check_table(source, table) == []
    changed = source.replace(_value(outcome, 1, "moons"), "0.9999")
    problems = check_table(changed, table)
    assert problems and "0.9999" in problems[0]
    assert check_table("no table at all", table) == ["the generated results table is missing"]


def test_unresolved_references_and_duplicates_are_reported() -> None:
    tex = (r"\section{Intro} See Figure~\ref{fig:a} and \citep{known,missing}. "
           r"\section{Intro} \includegraphics{x.png}\includegraphics{x.png}\label{fig:b}")
    problems = check_references(tex, {"known"})
    assert any("fig:a" in p for p in problems)
    assert any("missing" in p for p in problems) and not any("{known}" in p for p in problems)
    assert any("section 'Intro' appears twice" in p for p in problems)
    assert any("figure x.png appears twice" in p for p in problems)


def test_a_long_failing_sentence_is_reported_whole_so_its_removal_leaves_nothing(
        outcome: IdeaOutcome) -> None:
    from agents.paper.removal import remove_unit

    long = ("The runs on moons, circles and spirals, " * 12) + "reach an accuracy of 0.5712 there."
    text = f"The baseline is the reference. {long} Nothing else changed."
    [problem] = check_numbers(text, fact_sheet(outcome))[1]
    assert len(problem.unit) > 300 and problem.unit.endswith("0.5712 there.")
    left, gone = remove_unit(text, problem.unit)
    assert gone and left == "The baseline is the reference. Nothing else changed."
    assert check_numbers(left, fact_sheet(outcome))[1] == []


def test_a_cut_interval_is_printed_as_its_bounds_never_as_plus_minus() -> None:
    from tests.agents.paper.conftest import SEEDS, make_outcome

    seeds = {**SEEDS, 1: [(0.8625, 0.9725), (0.9925, 0.9675), (0.995, 0.9925)]}
    table = results_table(make_outcome(seeds))
    row = next(line for line in table.splitlines() if line.startswith("MOMENTUM = 0.9"))
    assert "[0.762, 1.00]" in row and "1.1" not in row, row
    assert "cut at the metric's range" in table


def test_a_list_dash_before_a_number_is_no_minus_sign() -> None:
    """The 1.5B model's Setup: "\\paragraph{Variants} - One run was performed ..." was read as
    a count of -1 runs and the sentence removed; a sign touches its number."""
    from agents.paper.numbers import numbers
    from agents.paper.spelled import digits

    found = numbers(digits(r"\paragraph{Variants} - One run was performed with MOMENTUM = 0.95."))
    assert [n.value for n in found] == [1, 0.95]
    assert [n.value for n in numbers("a change of -0.0177 and \u22120.2")] == [-0.0177, -0.2]
