"""Citations for a paper: only papers a literature source returned, with BibTeX built from them."""

from __future__ import annotations

import re

from pydantic import BaseModel, ValidationError

from agents.domain import Idea
from agents.literature import PaperRecord, unique_keys


class Citation(BaseModel):
    key: str
    title: str
    year: int | None = None
    abstract: str = ""
    bibtex: str


def citations_for(idea: Idea, limit: int = 12) -> list[Citation]:
    """BibTeX entries for the literature the novelty check found (unique keys)."""
    records: list[PaperRecord] = []
    for data in idea.literature[:limit]:
        try:
            records.append(PaperRecord.model_validate(data))
        except ValidationError:  # a record the run folder holds but no longer parses: skip it
            continue
    return [Citation(key=key, title=r.title, year=r.year, abstract=r.abstract or "",
                     bibtex=r.to_bibtex(key=key))
            for r, key in zip(records, unique_keys(records), strict=True)]


_CITE = re.compile(r"(?P<pre>~|[ \t]*)\\(?P<cmd>cite[pt]?\*?)\{(?P<keys>[^}]*)\}")


def keep_known_citations(text: str, keys: set[str]) -> tuple[str, list[str]]:
    """``text`` citing only ``keys``: unknown keys are dropped, a citation left with none is
    taken out. Returns the text and the keys removed (a model may cite what no search found)."""
    removed: list[str] = []

    def fix(match: re.Match[str]) -> str:
        wanted = [k.strip() for k in match.group("keys").split(",") if k.strip()]
        known = [k for k in wanted if k in keys]
        removed.extend(k for k in wanted if k not in keys)
        if not known:
            return ""
        return f"{match.group('pre')}\\{match.group('cmd')}{{{','.join(known)}}}"

    return _CITE.sub(fix, text), removed
