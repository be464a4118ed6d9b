"""Citations for a paper: only papers a literature source returned, with BibTeX built from them."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from agents.literature.records import PaperRecord
from agents.models import Idea


class Citation(BaseModel):
    key: str
    title: str
    year: int | None = None
    bibtex: str


def citations_for(idea: Idea, limit: int = 12) -> list[Citation]:
    """BibTeX entries for the literature the novelty check found (unique keys)."""
    out: list[Citation] = []
    keys: set[str] = set()
    for data in idea.literature[:limit]:
        try:
            record = PaperRecord.model_validate(data)
        except ValidationError:
            continue
        key, n = record.key, 1
        while key in keys:
            n += 1
            key = f"{record.key}{chr(ord('a') + n - 2)}"
        keys.add(key)
        out.append(Citation(key=key, title=record.title, year=record.year,
                            bibtex=record.to_bibtex(key=key)))
    return out
