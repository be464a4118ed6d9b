"""What counts as a copy of the prompt: the example's values and sentences (also lightly
edited), a placeholder inside a value, the task's own instructions; and what does not: answers
about the work at hand, including ones that use the same words as the prompt here and there."""

from __future__ import annotations

import pytest

from agents.domain.ideas import IdeaDraft
from agents.domain.reviews import MetaReview, Review
from agents.experiment.figure_checks import FigureCheck
from agents.ideas.novelty import NoveltyStep
from agents.llm.copies import copied_answer, copied_line, copied_text
from agents.paper.context import section_guidance

OWN_REVIEW = Review(
    summary="The paper sets MOMENTUM to 0.5 and 0.9 in a numpy MLP trained on moons, circles "
            "and spirals, and reports validation accuracy over three seeds.",
    strengths=["The baseline and both variants share seeds, so the comparison is paired.",
               "Table 1 gives standard errors for every group."],
    weaknesses=["The gain on spirals (0.71 to 0.84) is the only significant one, yet the "
                "conclusion generalises to all tasks.",
                "Only two momentum values are tried."],
    questions=["How does the learning rate interact with momentum 0.9?"],
    limitations=["Three seeds and 2-D synthetic data only."],
    originality=2, quality=3, clarity=3, significance=2, soundness=3, presentation=3,
    contribution=2, overall=5, confidence=3, decision="reject")


def test_an_honest_review_is_its_own() -> None:
    assert copied_answer(OWN_REVIEW, Review.example()) is None


@pytest.mark.parametrize("field", ["summary", "weaknesses", "questions", "limitations"])
def test_a_review_that_copies_a_sentence_of_the_example_is_not(field: str) -> None:
    example = Review.example()
    value = getattr(example, field)
    copied = OWN_REVIEW.model_copy(update={field: value})
    assert "example" in (copied_answer(copied, example) or "")


def test_a_lightly_edited_example_sentence_is_still_a_copy() -> None:
    edited = ("The 500-step warmup's lower loss in Table 1 lies inside the confidence "
              "intervals of the no-warmup baseline, but the abstract calls it an improvement.")
    review = OWN_REVIEW.model_copy(update={"weaknesses": [edited]})
    assert copied_answer(review, Review.example()) is not None


@pytest.mark.parametrize("name", ["short_snake_case_name", "short_snake_case_name_2"])
def test_a_placeholder_name_is_a_copy(name: str) -> None:
    idea = IdeaDraft(name=name, title="Momentum for tiny MLPs",
                     experiment="Set MOMENTUM to 0.5, then 0.9.", interestingness=5,
                     feasibility=8, novelty=4)
    assert "example's value" in (copied_answer(idea, IdeaDraft.example()) or "")
    own = idea.model_copy(update={"name": "momentum_sweep"})
    assert copied_answer(own, IdeaDraft.example()) is None


def test_the_examples_of_other_roles_are_detectable_when_copied() -> None:
    for model in (MetaReview, NoveltyStep, FigureCheck):
        example = model.example()
        assert copied_answer(example, example) is not None, model.__name__


def test_a_real_figure_problem_is_not_the_examples() -> None:
    check = FigureCheck(ok=False, problems=["The legend of val_accuracy.png shows run_1 and "
                                            "run_2 instead of the labels in labels.json."])
    assert copied_answer(check, FigureCheck.example()) is None


@pytest.mark.parametrize("name", sorted(section_guidance()))
def test_a_section_that_echoes_its_guidance_is_a_copy(name: str) -> None:
    assert copied_text(section_guidance()[name]) is not None


def test_a_section_about_the_work_is_its_own() -> None:
    results = ("With momentum 0.9 the mean validation accuracy rose from 0.7300 to 0.8379 "
               "(Table~\\ref{tab:results}); the difference is significant on spirals only. "
               "Figure~\\ref{fig:val_accuracy} shows the curves of the baseline and both runs.")
    assert copied_text(results) is None


def test_a_short_plan_line_is_checked_against_the_prompts_pieces() -> None:
    assert copied_line("says what this run changes") is not None
    assert copied_line("set MOMENTUM to 0.9") is None
    assert copied_line("compare with the baseline") is None  # three words: too short to tell


def test_the_last_resort_keeps_the_models_own_sentences_and_nothing_of_the_example() -> None:
    from agents.domain.reviews import Review
    from agents.llm.copies import copied_answer, without_copies

    example = Review.example()
    own = ("The paper compares momentum values on three toy tasks with two seeds each. "
           "It reports a small gain on moons.")
    copied = example.summary.split(". ")[0] + "."
    answer = example.model_copy(update={
        "summary": f"{copied} {own}",
        "strengths": [example.strengths[0], "The seeds and the test are stated plainly."],
        "weaknesses": ["Two seeds are too few for the significance it claims."],
        "questions": ["Why were only two seeds run?"],
        "limitations": ["Only toy data sets are used, so nothing is said of real data."]})
    assert copied_answer(answer, example)  # refused as it is
    kept = without_copies(answer, example)
    assert kept is not None and copied_answer(kept, example) is None
    assert kept.summary == own and kept.strengths == ["The seeds and the test are stated plainly."]
    assert kept.overall == answer.overall  # the model's own scores stay
    # a field that was nothing but the example's text: no answer of its own
    assert without_copies(answer.model_copy(update={"summary": copied}), example) is None
