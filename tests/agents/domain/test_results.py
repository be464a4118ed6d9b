"""final_info.json is validated once, where results enter the run: numbers stay numbers."""

from __future__ import annotations

import pytest

from agents.domain.results import FinalInfo, ResultsError


def test_a_valid_result_reads_as_numbers() -> None:
    info = FinalInfo.parse({"moons": {"means": {"acc": 0.9, "steps": 1200}, "stderrs": {"acc": 0.01},
                                      "extra": "kept"}, "circles": {"means": 0.5}})
    assert info.groups == ["moons", "circles"] and info.metrics == ["acc", "steps", "value"]
    assert info.value("moons", "steps") == 1200.0 and info.stderr("moons", "acc") == 0.01
    assert info.value("circles", "value") == 0.5
    assert info.root["moons"].model_extra == {"extra": "kept"}


@pytest.mark.parametrize(("data", "message"), [
    ({"moons": {"means": {"acc": "0.9"}}}, "means ['acc'] are not numbers"),
    ({"moons": {"means": {"acc": True}}}, "means ['acc'] are not numbers"),
    ({"moons": {"means": {"acc": 0.9}, "stderrs": {"acc": "$\\pm$ 0.1"}}}, "stderrs ['acc']"),
    ({"moons": {"acc": 0.9}}, 'has no "means"'),
    ({}, "non-empty JSON object"),
    ({"g" * 200: {"means": {"acc": 1}}}, "longer than 80 characters"),
    ({f"g{i}": {"means": {"acc": 1}} for i in range(51)}, "at most 50 are allowed"),
])
def test_what_would_be_typeset_unchecked_is_rejected_with_a_clear_message(
        data: object, message: str) -> None:
    with pytest.raises(ResultsError, match=message.replace("$", r"\$").replace("[", r"\[")):
        FinalInfo.parse(data)
