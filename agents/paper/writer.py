"""The writer agent: fill the template's LaTeX skeleton section by section from the real runs.

The model writes prose, each section as plain LaTeX in one fenced block; the program inserts
what must not be retyped: the results table (from the run files, locked), the figures (from
the idea's plots) and the bibliography (from the literature sources). Every section is checked
(numbers, comparative claims) and sent back for a bounded number of revisions; a sentence
that still fails is taken out, and the removal is recorded. One pass over the whole paper may
revise sections once more. After every LaTeX fix round the final source is checked again:
what is still wrong is in the paper's ``integrity`` report and ``problems``.

A model that gives no usable answer for a section leaves a visible note in that section; a
writer that fails for every section fails the paper, never the run. With ``--from-draft``, a
section that the author's draft has is updated from it instead (``agents.paper.draft``); the
author's own sentences are their claims (see ``IntegrityReport``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from agents.domain import (
    EventBase,
    IdeaOutcome,
    IntegrityReport,
    Paper,
    PaperWritten,
    ReplyModel,
    figure_label,
)
from agents.errors import LLMError
from agents.llm import LLMClient, ReplyError
from agents.paper.assemble import SECTIONS, assemble, clean_section, section_at
from agents.paper.citations import Citation, citations_for, keep_known_citations
from agents.paper.claims import check_claims
from agents.paper.context import Figure, section_guidance, writer_context
from agents.paper.draft import load_draft
from agents.paper.facts import FactSheet, fact_sheet
from agents.paper.integrity import authored_units, check_numbers, check_references, check_table
from agents.paper.markup import balanced_environments
from agents.paper.removal import FAILED_SECTION, remove_unit, without_broken_part
from agents.paper.repeats import own_section
from agents.paper.results_table import results_table
from agents.paper.selection import add_selection
from agents.paper.truth import beyond_numbers, check_truth
from agents.paper.typeset import check_typeset, hidden_text
from agents.prompts import Task, bullets, render
from agents.run import RunFolder, atomic_write_text, copy_file, copy_tree
from agents.tex import tex_file_name

if TYPE_CHECKING:
    from agents.paper.tex import Tex
    from agents.templates import Template

# Room for one section, about twice what its guidance asks for (one paragraph is 150-250
# tokens): a reply that runs past it, most often a small model repeating itself, is kept up to
# its last sentence rather than asked for again with more room.
SECTION_MAX_TOKENS = {"Abstract": 384, "Introduction": 640, "Related Work": 512, "Background": 448,
                      "Method": 512, "Experimental Setup": 448, "Results": 640, "Conclusion": 384}
FIX_ROUNDS = 2
DROP_ROUNDS = 3
MAX_PAPER_PROBLEMS = 2
REMOVAL_PASSES = 3


class PaperProblem(ReplyModel):
    section: str
    problem: str

    @classmethod
    def example(cls) -> Self:
        return cls(section="Results", problem="What is wrong, and what to change.")


class PaperCheck(ReplyModel):
    problems: list[PaperProblem]

    @classmethod
    def example(cls) -> Self:
        return cls(problems=[PaperProblem.example()])


def figures_for(paper_dir: Path, idea_dir: Path, outcome: IdeaOutcome) -> list[Figure]:
    figures = []
    runs = len(outcome.successful_runs)
    for rel in outcome.plots:
        src = idea_dir / rel
        name = tex_file_name(src.name)  # the sandbox named it: TeX gets a plain name
        if not copy_file(src, paper_dir / name):  # a regular file only, never a link
            continue
        words = src.stem.replace("_", " ")
        caption = (f"{words[:1].upper() + words[1:]}, as drawn by the template's plot script for "
                   f"the baseline and {runs} run{'s' if runs != 1 else ''}.")
        figures.append(Figure(file=name, caption=caption,
                              label=figure_label(src.stem)))
    return figures


@dataclass(frozen=True)
class PaperDesk:
    """What writing a paper uses, and nothing more: the run folder (the idea's files, where the
    paper goes), the model, where its events go, TeX, the template (its LaTeX, code, data and
    area), the topic, the refinement rounds and the run's draft (``--from-draft``)."""

    run: RunFolder
    llm: LLMClient
    record: Callable[[EventBase], None]
    tex: Tex
    template: Template
    topic: str
    refine_rounds: int = 1
    from_draft: Path | None = None


class Writer:
    """One paper of one idea: the shared context, the sections, and what was checked."""

    def __init__(self, desk: PaperDesk, outcome: IdeaOutcome, context: str, sheet: FactSheet,
                 cite_keys: set[str]):
        self.desk, self.outcome, self.context, self.sheet = desk, outcome, context, sheet
        self.cite_keys = cite_keys
        self.authored: frozenset[str] = frozenset()  # the draft's sentences (IntegrityReport)
        self.removed: list[str] = []
        self.failed: list[str] = []
        self.kept_draft: list[str] = []

    def render(self, task: Task, **values: Any) -> list[dict[str, Any]]:
        return render(task, area=self.desk.template.system_prompt, **values)

    def problems(self, text: str, name: str = "") -> tuple[list[tuple[str, str]], list[str]]:
        """(number and claim problems as (unit, why), unsupported comparative wording), the
        author's sentences aside."""
        found = check_numbers(text, self.sheet, self.authored)[1]
        numbers = [(p.unit, p.message()) for p in found if not p.from_draft]
        claims = beyond_numbers(check_truth(text, self.sheet, self.authored, section=name), found)
        numbers += [(f.unit, f.text()) for f in claims if not f.from_draft]
        return numbers, check_claims(text, self.sheet, self.authored)

    @staticmethod
    def shown(written: dict[str, str]) -> str:
        shown = "\n\n".join(f"### {n}\n```latex\n{t}\n```" for n, t in written.items())
        return ("## The sections written so far\n\n" + shown) if shown else ""

    async def revise(self, name: str, draft: str, written: dict[str, str]) -> str:
        """The author's draft of a section, brought up to date with the runs; the draft as it
        was when the model gives no usable answer."""
        messages = self.render(Task.REVISE_DRAFT_SECTION, context=self.context,
                               written=self.shown(written), section=name, draft=draft,
                               guidance=section_guidance().get(name, ""))
        try:
            text = await self.desk.llm.prose("writer", Task.REVISE_DRAFT_SECTION, messages,
                                            languages=("latex", "tex"), check=clean_section,
                                            max_tokens=room(name, draft),
                                            what=f"update of the draft's {name} section")
        except LLMError as exc:
            try:
                text = clean_section(draft)
            except ReplyError:
                return await self.section(name, written)
            self.kept_draft.append(f"{name}: the writer gave no usable update of the draft "
                                   f"({str(exc)[:160]}); the draft's text stands as it was")
        return await self.verified(name, text, written)

    async def section(self, name: str, written: dict[str, str]) -> str:
        messages = self.render(Task.WRITE_SECTION, context=self.context, written=self.shown(written),
                               section=name, guidance=section_guidance().get(name, ""))
        try:
            text = await self.desk.llm.prose("writer", Task.WRITE_SECTION, messages,
                                            languages=("latex", "tex"),
                                            check=own_section(clean_section, name, written),
                                            max_tokens=room(name),
                                            what=f"{name} section")
        except LLMError as exc:
            self.failed.append(f"{name}: {str(exc)[:200]}")
            return FAILED_SECTION
        return await self.verified(name, text, written)

    async def verified(self, name: str, text: str, written: dict[str, str],
                       extra_problem: str = "") -> str:
        """``text`` after at most ``--refine-rounds`` revisions; what still fails is taken out.

        The revision prompt shows ``written`` (the sections its writing prompt showed, or the
        whole paper) as that prompt did, so a local server reuses the prefix it evaluated."""
        text = self.known_citations(name, text)
        rounds = self.desk.refine_rounds
        if extra_problem:  # a problem the whole-paper pass found gets its revision
            rounds = max(rounds, 1)
        for round_no in range(rounds + 1):
            numbers, claims = self.problems(text, name)
            problems = [f"{why}: \"{unit[:300]}\"" for unit, why in numbers]
            problems += [f"this sentence claims an improvement that is not significant: "
                         f"\"{c[:300]}\"" for c in claims]
            problems += [f"hidden or macro text: {h}" for h in hidden_text(text)]
            if extra_problem and round_no == 0:
                problems.insert(0, extra_problem)
            if not problems:
                return text
            if round_no == rounds:
                break
            messages = self.render(Task.REFINE_SECTION, context=self.context,
                                   written=self.shown(written), section=name, draft=text,
                                   problems=bullets(problems))
            try:
                text = await self.desk.llm.prose("writer", Task.REFINE_SECTION, messages,
                                                languages=("latex", "tex"),
                                                check=own_section(clean_section, name, written),
                                                max_tokens=room(name, text),
                                                what=f"revised {name} section")
            except LLMError:
                break
            text = self.known_citations(name, text)
        for _ in range(REMOVAL_PASSES):  # what a removal leaves is checked again
            numbers, claims = self.problems(text, name)
            failing = numbers + [(c, "an improvement claimed without a significant difference")
                                 for c in claims]
            removed = 0
            for unit, why in failing:
                text, gone = remove_unit(text, unit)
                if gone:
                    removed += 1
                    self.removed.append(f"{name}: removed \"{unit[:120]}\" ({why})")
            text = balanced_environments(text)  # a removed sentence may have opened a list
            if not removed:
                break
        return text

    def known_citations(self, name: str, text: str) -> str:
        text, unknown = keep_known_citations(text, self.cite_keys)
        if unknown:
            self.removed.append(f"{name}: removed citations of {', '.join(sorted(set(unknown)))} "
                                f"(not papers the literature search returned)")
        return text

    async def whole_paper_pass(self, sections: dict[str, str]) -> dict[str, str]:
        messages = self.render(Task.CHECK_PAPER, context=self.context, written=self.shown(sections))
        try:
            check = await self.desk.llm.structured("writer", Task.CHECK_PAPER, messages, PaperCheck)
        except LLMError:
            return sections
        out = dict(sections)
        for problem in check.problems[:MAX_PAPER_PROBLEMS]:
            name = next((s for s in SECTIONS if s.lower() == problem.section.strip().lower()), None)
            if name is None or out[name] == FAILED_SECTION:
                continue
            out[name] = await self.verified(name, out[name], sections,
                                            extra_problem=problem.problem)
        return out


def room(name: str, text: str = "") -> int:
    """The tokens a reply with the ``name`` section may take: its share, or more for a longer
    text being revised (an author's draft; about 3 characters a token, and room to spare)."""
    return max(SECTION_MAX_TOKENS.get(name, 512), len(text) // 2)


async def write_paper(desk: PaperDesk, outcome: IdeaOutcome, version: int = 1,
                      revision_notes: str = "") -> Paper:
    """The idea's paper (``paper/`` or ``paper_v<N>/``); failures are recorded, not raised."""
    idea = outcome.idea
    idea_dir = desk.run.idea_dir(idea.name)
    paper_dir = desk.run.paper_dir(idea.name, version)
    shutil.rmtree(paper_dir, ignore_errors=True)
    copy_tree(desk.template.path / "latex", paper_dir)
    (paper_dir / "references.bib").unlink(missing_ok=True)
    cites: list[Citation] = citations_for(idea)
    atomic_write_text(paper_dir / "references.bib", "\n".join(c.bibtex for c in cites))
    figures = figures_for(paper_dir, idea_dir, outcome)
    notes = (idea_dir / "notes.md").read_text(encoding="utf-8") if (idea_dir / "notes.md").exists() else ""
    sheet = fact_sheet(outcome, desk.template.code(),
                       setup=f"{desk.template.description}\n{desk.template.data_source}",
                       data=desk.template.data_source)
    context = writer_context(topic=desk.topic, outcome=outcome, notes=notes,
                             figures=figures, citations=cites, revision_notes=revision_notes)
    writer = Writer(desk, outcome, context, sheet, {c.key for c in cites})
    draft = await load_draft(desk.run, desk.from_draft, desk.tex)
    drafted = {n: writer.known_citations(n, t) for n, t in (draft.sections if draft else {}).items()}
    writer.authored = authored_units(*drafted.values())
    sections: dict[str, str] = {}
    for name in SECTIONS:
        sections[name] = (await writer.revise(name, drafted[name], sections) if name in drafted
                          else await writer.section(name, sections))
    rel_tex = str((paper_dir / "template.tex").relative_to(desk.run.path))
    if len(writer.failed) == len(SECTIONS):
        return Paper(idea_name=idea.name, version=version, status="failed", tex_path=rel_tex,
                     reason="the writer model gave no usable section: " + writer.failed[0])
    sections = await writer.whole_paper_pass(sections)
    table = results_table(outcome)
    skeleton = (paper_dir / "template.tex").read_text(encoding="utf-8")

    def build() -> str:
        source = add_selection(assemble(skeleton, idea.title, sections, table=table,
                                        figures=figures, has_bib=bool(cites)), outcome)
        atomic_write_text(paper_dir / "template.tex", source)
        return source

    source = build()
    compiled = await desk.tex.compile(paper_dir)
    for _ in range(FIX_ROUNDS):
        if compiled.ok or compiled.error_line is None:
            break
        broken = section_at(source, compiled.error_line)
        if broken is None or broken not in sections:
            break
        messages = writer.render(Task.FIX_LATEX, section=broken, draft=sections[broken],
                                 log=compiled.log_excerpt)
        try:
            fixed = await desk.llm.prose("writer", Task.FIX_LATEX, messages, languages=("latex", "tex"),
                                        check=clean_section, what=f"fixed {broken} section",
                                        max_tokens=room(broken, sections[broken]))
        except LLMError:
            break
        sections[broken] = await writer.verified(broken, fixed, sections)
        source = build()
        compiled = await desk.tex.compile(paper_dir)
    for _ in range(DROP_ROUNDS):  # what the model could not fix is taken out, and listed
        if compiled.ok or compiled.error_line is None:
            break
        broken = section_at(source, compiled.error_line)
        kept = without_broken_part(sections.get(broken or "", ""), source, compiled.error_line)
        if broken is None or kept is None:
            break
        sections[broken], part = kept
        writer.removed.append(f"{broken}: removed \"{' '.join(part.split())[:120]}\" "
                              f"(it did not compile: {compiled.first_error[:120]})")
        source = build()
        compiled = await desk.tex.compile(paper_dir)
    pdf_text = (await desk.tex.pdf_text(compiled.pdf)) if compiled.ok and compiled.pdf else ""
    report = final_report(source, sections, table, sheet, writer.removed, writer.authored,
                          pdf_text=pdf_text)
    problems = [*writer.failed, *writer.kept_draft, *report.unverified,
                *(f"unsupported claim: {c}" for c in report.claims), *report.findings,
                *report.typeset, *report.from_draft,
                *check_references(source, {c.key for c in cites}),
                *(f"draft: {n}" for n in (draft.notes if draft is not None else [])),
                *outcome.plot_notes]
    if not report.table_intact:
        problems.append("the results table does not match the run files")
    compile_failure = ""
    if not compiled.ok:
        compile_failure = f"compile failed: {compiled.first_error}"
        problems.append(compile_failure)
    desk.record(PaperWritten(idea=idea.name, version=version, compiled=compiled.ok,
                               pages=compiled.pages, problems=len(problems), integrity_ok=report.ok,
                               removed=len(report.removed), draft_sections=len(drafted)))
    return Paper(idea_name=idea.name, version=version,
                 status="compiled" if compiled.ok else "not_compiled", reason=compile_failure,
                 tex_path=rel_tex,
                 pdf_path=str(compiled.pdf.relative_to(desk.run.path)) if compiled.pdf else None,
                 pages=compiled.pages, compile_log=compiled.log_excerpt, problems=problems,
                 integrity=report, draft_sections=[n for n in SECTIONS if n in drafted])


def final_report(source: str, sections: dict[str, str], table: str, sheet: FactSheet,
                 removed: list[str], authored: frozenset[str] = frozenset(), *,
                 pdf_text: str = "") -> IntegrityReport:
    """The checks on what is finally in the paper, section by section, the table and (when
    it compiled) the PDF's text; what fails in the author's own sentences (``authored``) is
    listed apart, as the author's, and is a finding like any other."""
    checked, claims = 0, []
    unverified: list[str] = []
    from_draft: list[str] = []
    findings: list[str] = []
    typeset: list[str] = []
    for name, text in sections.items():
        n, problems = check_numbers(text, sheet, authored)
        checked += n
        for p in problems:
            (from_draft if p.from_draft else unverified).append(
                f"{name}: {p.message()} (\"{p.unit[:120]}\")")
        claims += [f"{name}: {c[:160]}" for c in check_claims(text, sheet, authored)]
        from_draft += [f"{name}: an improvement the author claims without a significant "
                       f"difference in these runs: {c[:160]}"
                       for c in check_claims(text, sheet, authored, from_draft=True)]
        for f in beyond_numbers(check_truth(text, sheet, authored, section=name), problems):
            (from_draft if f.from_draft else findings).append(
                f"{name}: {f.text()} (\"{f.unit[:120]}\")")
        typeset += [f"{name}: {h}" for h in hidden_text(text)]
    typeset += check_typeset(pdf_text, source)
    table_problems = check_table(source, table) if table else []
    return IntegrityReport(numbers_checked=checked, unverified=unverified, removed=removed,
                           claims=claims, findings=findings, typeset=typeset,
                           table_intact=not table_problems, from_draft=from_draft)
