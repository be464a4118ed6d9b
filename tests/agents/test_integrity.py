"""The paper's numbers must come from the run files; references must resolve."""

from __future__ import annotations

from agents.integrity import allowed_numbers, check_numbers, check_references

BASE = {"moons": {"means": {"acc": 0.8692, "loss": 0.2662}, "stderrs": {"acc": 0.011}},
        "circles": {"means": {"acc": 0.6883, "loss": 0.6368}}}
RUN1 = {"moons": {"means": {"acc": 0.95, "loss": 0.1208}}, "circles": {"means": {"acc": 0.9775, "loss": 0.1128}}}


def test_numbers_from_the_runs_pass() -> None:
    allowed = allowed_numbers([BASE, RUN1])
    text = "The baseline reaches 0.8692 on moons and run 1 reaches 0.95; on average 0.9638 vs 0.7788."
    assert check_numbers(text, allowed) == []


def test_rounded_and_differences_pass() -> None:
    allowed = allowed_numbers([BASE, RUN1])
    assert check_numbers("Accuracy rises from 0.87 to 0.95, a gain of 0.0808.", allowed) == []


def test_a_planted_wrong_number_is_caught() -> None:
    allowed = allowed_numbers([BASE, RUN1])
    problems = check_numbers("Run 1 reaches 0.95 on moons and 0.9931 on circles.", allowed)
    assert [p.number for p in problems] == ["0.9931"]
    assert "0.9931" in problems[0].sentence


def test_numbers_in_the_idea_are_allowed() -> None:
    allowed = allowed_numbers([BASE], "Change MOMENTUM from 0.0 to 0.5")
    assert check_numbers("We set momentum to 0.5.", allowed) == []


def test_unresolved_references_and_duplicates_are_reported() -> None:
    tex = (r"\section{Intro} See Figure~\ref{fig:a} and \citep{known,missing}. "
           r"\section{Intro} \includegraphics{x.png}\includegraphics{x.png}\label{fig:b}")
    problems = check_references(tex, {"known"})
    assert any("fig:a" in p for p in problems)
    assert any("missing" in p for p in problems) and not any("{known}" in p for p in problems)
    assert any("section 'Intro' appears twice" in p for p in problems)
    assert any("figure x.png appears twice" in p for p in problems)
