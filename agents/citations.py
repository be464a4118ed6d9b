"""Citations for a paper: only papers a literature source returned, with BibTeX built from them."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from agents.literature.records import PaperRecord, unique_keys
from agents.models import Idea


class Citation(BaseModel):
    key: str
    title: str
    year: int | None = None
    bibtex: str


def citations_for(idea: Idea, limit: int = 12) -> list[Citation]:
    """BibTeX entries for the literature the novelty check found (unique keys)."""
    records: list[PaperRecord] = []
    for data in idea.literature[:limit]:
        try:
            records.append(PaperRecord.model_validate(data))
        except ValidationError:  # a record the run folder holds but no longer parses: skip it
            continue
    return [Citation(key=key, title=r.title, year=r.year, bibtex=r.to_bibtex(key=key))
            for r, key in zip(records, unique_keys(records), strict=True)]
