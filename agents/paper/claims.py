"""The claim check: comparative wording ("improves", "outperforms", "better", "faster") needs a
difference that is significant.

A sentence that claims a run is better than the baseline passes only when a run it names (or,
naming none, any run) is significantly better on the primary metric after the Holm correction.
Negated claims ("does not improve", "no significant improvement") are what the evidence
allows and pass. With one seed per variant nothing is significant, so every such claim fails.
"""

from __future__ import annotations

import re

from agents.paper.facts import FactSheet
from agents.paper.integrity import Scope, plain, unit_key
from agents.paper.numbers import Unit, strip_comments, units

COMPARATIVE = re.compile(
    r"\b(improv(?:es|ed|ing|ement|ements)|outperform\w*|better|faster|superior|surpass\w*"
    r"|beats?|boost\w*|gains?)\b", re.IGNORECASE)
NEGATION = re.compile(
    r"\b(not|no|never|neither|nor|fails? to|without|cannot|none)\b|n't\b|\bnon-?significant"
    r"|\binsignificant", re.IGNORECASE)


DEFINITION = re.compile(r"\b(?:lower|higher|larger|smaller|more|less)\s+(?:values?\s+)?(?:is|are)\s+"
                        r"better\b", re.IGNORECASE)


def unsupported(unit: Unit, sheet: FactSheet) -> bool:
    text = DEFINITION.sub(" ", plain(unit.text))
    if not COMPARATIVE.search(text) or NEGATION.search(text):
        return False
    named = Scope.of(unit, sheet).runs - {0}
    backed = [i for i, ok in sheet.significant_better.items() if ok]
    return not (set(backed) & named if named else backed)


def check_claims(latex: str, sheet: FactSheet, authored: frozenset[str] = frozenset(), *,
                 from_draft: bool = False) -> list[str]:
    """The sentences whose comparative wording is not backed by a significant difference:
    those that are not sentences of the author's draft (``authored``), or with ``from_draft``
    only those that are."""
    return [unit.text for unit in units(strip_comments(latex))
            if unit.kind != "row" and (unit_key(unit.text) in authored) == from_draft
            and unsupported(unit, sheet)]
