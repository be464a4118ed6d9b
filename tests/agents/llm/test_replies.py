"""Replies are read leniently and exactly: the first JSON object that validates wins, slips are
repaired, an echoed schema is unwrapped or named, prose comes out of its fence."""

from __future__ import annotations

import pytest

from agents.domain.ideas import IdeaDraft
from agents.domain.reviews import Review
from agents.ideas.ideation import IdeasReply
from agents.llm.replies import ReplyError, read_fenced, read_json
from agents.llm.schemas import strict_schema

IDEA = ('{"name": "lr", "title": "T", "experiment": "E", "interestingness": 5, '
        '"feasibility": 6, "novelty": 4}')


def test_thinking_prose_and_fences_are_stripped() -> None:
    text = f"<think>Let me see {{not json}}</think>Here you go:\n```json\n{IDEA}\n```\nHope it helps."
    assert read_json(text, IdeaDraft).name == "lr"


def test_the_first_object_that_validates_wins_not_first_brace_to_last() -> None:
    text = f'The form was {{"name": "..."}}. My answer: {IDEA} (and a note {{"x": 1}}).'
    assert read_json(text, IdeaDraft).feasibility == 6


def test_trailing_commas_and_cut_strings_are_repaired() -> None:
    assert read_json(IDEA[:-1] + ",}", IdeaDraft).novelty == 4
    assert read_json('{"ideas": [' + IDEA + ",]", IdeasReply).ideas[0].name == "lr"


def test_an_answer_nested_under_an_echoed_properties_is_unwrapped() -> None:
    echoed = '{"description": "One idea", "type": "object", "properties": ' + IDEA + "}"
    assert read_json(echoed, IdeaDraft).title == "T"


def test_a_bare_list_or_item_fills_a_single_list_field() -> None:
    assert len(read_json(f"[{IDEA}, {IDEA}]", IdeasReply).ideas) == 2
    assert len(read_json(IDEA, IdeasReply).ideas) == 1


def test_an_echoed_schema_is_named_as_such() -> None:
    schema = '{"type": "object", "properties": {"name": {"type": "string", "description": "x"}}}'
    with pytest.raises(ReplyError, match="repeats the format description"):
        read_json(schema, IdeaDraft)


def test_what_does_not_fit_is_said_in_words_a_model_can_use() -> None:
    with pytest.raises(ReplyError, match="interestingness"):
        read_json(IDEA.replace('"interestingness": 5', '"interestingness": 50'), IdeaDraft)
    with pytest.raises(ReplyError, match="empty"):
        read_json("  <think>...</think> ", IdeaDraft)
    with pytest.raises(ReplyError, match="no JSON object"):
        read_json("I cannot answer that.", IdeaDraft)


def test_prose_comes_out_of_its_fence() -> None:
    assert read_fenced("Sure!\n```latex\nWe study $x$.\n```\nDone.", ("latex",)) == "We study $x$."
    assert read_fenced("We study x.") == "We study x."
    assert read_fenced("```latex\nunclosed at the end", ("latex",)) == "unclosed at the end"


@pytest.mark.parametrize("model", [IdeaDraft, IdeasReply, Review])
def test_examples_validate_as_their_own_model(model: type) -> None:
    example = model.example()
    assert model.model_validate(example.model_dump()) == example


def test_small_integer_ranges_become_enums_so_decoding_keeps_scores_in_range() -> None:
    review = strict_schema(Review)["properties"]
    assert review["overall"]["enum"] == list(range(1, 11))
    assert review["soundness"]["enum"] == [1, 2, 3, 4]


def test_cut_off_prose_keeps_whole_sentences_once() -> None:
    from agents.llm.replies import cut_off_prose

    first = ("We vary the momentum of a small network and keep everything else as in the "
             "baseline: the data, the width, the learning rate and the number of epochs.")
    loop = "The accuracy rises with momentum. " * 5
    text = f"```latex\n{first}\n\n{loop}\n\n{loop}The accuracy fal"
    assert cut_off_prose(text, ("latex",)) == f"{first}\n\nThe accuracy rises with momentum."


def test_cut_off_prose_with_too_little_left_is_not_used() -> None:
    from agents.llm.replies import cut_off_prose

    assert cut_off_prose("```latex\nWe vary the momentum. We vary the momentum. We va") is None
    assert cut_off_prose("```latex\n" + "word " * 80) is None  # no sentence ever ended
