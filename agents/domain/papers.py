"""A written paper: where its source and PDF are, and what is known to be wrong with it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PaperStatus = Literal["compiled", "not_compiled", "failed"]


class IntegrityReport(BaseModel):
    """The number, claim and typesetting checks of the final paper.

    With ``--from-draft``, a sentence that is the author's draft word for word is the author's
    claim: its numbers and claims are checked like any, but what fails is listed in
    ``from_draft`` (not ``unverified``, ``claims`` or ``findings``), and it is neither revised
    away nor removed by aisci. It is a finding all the same: a paper with any finding, the
    author's included, has not passed. A sentence the writer changed is the writer's.
    """

    numbers_checked: int = 0
    unverified: list[str] = Field(default_factory=list)  # still in the paper: a failure
    removed: list[str] = Field(default_factory=list)  # sentences aisci took out, and why
    claims: list[str] = Field(default_factory=list)  # comparative wording without significance
    #: claims the runs contradict: attribution, direction, significance, p-values, counts,
    #: uncertainty labels, derived quantities, names, table rows (``agents.paper.truth``)
    findings: list[str] = Field(default_factory=list)
    #: hidden or macro text in the source, and what the compiled PDF shows (``typeset``)
    typeset: list[str] = Field(default_factory=list)
    from_draft: list[str] = Field(default_factory=list)  # the author's unverified claims, kept
    table_intact: bool = True

    @property
    def problems(self) -> list[str]:
        """Every finding, one line each."""
        table = [] if self.table_intact else ["the results table does not match the run files"]
        return [*self.unverified, *self.claims, *self.findings, *self.typeset, *self.from_draft,
                *table]

    @property
    def ok(self) -> bool:
        return not self.problems


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
