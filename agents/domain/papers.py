"""A written paper: where its source and PDF are, and what is known to be wrong with it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PaperStatus = Literal["compiled", "not_compiled", "failed"]


class IntegrityReport(BaseModel):
    """The number and claim checks of the final source.

    With ``--from-draft``, a sentence that is the author's draft word for word is the author's
    claim: its numbers and comparative wording are checked like any, but what fails is listed
    in ``from_draft`` (not ``unverified`` or ``claims``), and it is neither revised away nor
    removed by aisci. A sentence the writer changed is the writer's, and checked as such.
    """

    numbers_checked: int = 0
    unverified: list[str] = Field(default_factory=list)  # still in the paper: a failure
    removed: list[str] = Field(default_factory=list)  # sentences aisci took out, and why
    claims: list[str] = Field(default_factory=list)  # comparative wording without significance
    from_draft: list[str] = Field(default_factory=list)  # the author's unverified claims, kept
    table_intact: bool = True

    @property
    def ok(self) -> bool:
        return not self.unverified and not self.claims and self.table_intact


class Paper(BaseModel):
    idea_name: str
    version: int = 1
    status: PaperStatus = "not_compiled"
    reason: str = ""
    tex_path: str = ""
    pdf_path: str | None = None
    pages: int | None = None
    compile_log: str = ""
    problems: list[str] = Field(default_factory=list)
    integrity: IntegrityReport = Field(default_factory=IntegrityReport)
    #: ``--from-draft``: the sections revised from the author's draft (the others were written anew)
    draft_sections: list[str] = Field(default_factory=list)
