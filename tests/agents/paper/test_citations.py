"""A paper cites only what the literature search returned."""

from __future__ import annotations

from agents.paper.citations import keep_known_citations


def test_unknown_keys_are_dropped_and_empty_citations_removed() -> None:
    text = r"As shown by \citet{known} and others~\citep{key, known}, it works \citep{invented}."
    cleaned, removed = keep_known_citations(text, {"known"})
    assert cleaned == r"As shown by \citet{known} and others~\citep{known}, it works."
    assert removed == ["key", "invented"]
