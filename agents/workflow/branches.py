"""The two per-idea branches that run in parallel: research (experiment, plots, paper) and
review (reviews and revisions).

Each step of a branch leaves a record in the idea's folder (``outcome.json``, the paper's
``paper.json``, ``reviews/outcome.json``); a branch that runs again (after a crash, or with
``--retry-failed``) reuses what finished and redoes only what did not. Nothing here raises for
a failure of science or of a model: it becomes a ``Failure`` in the state.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agents.domain import Failure, IdeaOutcome, Paper, Reviewed, ReviewOutcome
from agents.experiment import agent as experimenter
from agents.experiment import plotting
from agents.llm import current_branch
from agents.paper import NO_TEX, writer
from agents.review import read_paper_pdf, reviewer
from agents.run import RunContext
from agents.workflow import records, roles
from agents.workflow.state import IdeaTask, PaperTask


def _finished_paper(ctx: RunContext, idea: str, version: int) -> Paper | None:
    record = ctx.run.paper_dir(idea, version) / records.PAPER
    if not record.is_file():
        return None
    previous = Paper.model_validate_json(record.read_text(encoding="utf-8"))
    return None if previous.status == "failed" and ctx.retry_failed else previous


async def _paper(ctx: RunContext, outcome: IdeaOutcome, version: int, stage: str,
                 notes: str = "") -> Paper:
    done = _finished_paper(ctx, outcome.idea.name, version)
    if done is not None:
        return done
    ctx.begin(stage, idea=outcome.idea.name, version=version)
    paper = await writer.write_paper(roles.paper_desk(ctx), outcome, version=version,
                                     revision_notes=notes)
    records.record_paper(ctx.run, paper)
    return paper


async def research_idea(task: IdeaTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    idea = task["idea"]
    current_branch.set(idea.name)
    ctx.begin("experiment", idea=idea.name)
    outcome = await experimenter.run_idea(roles.experimenter(ctx), idea,
                                          retry_failed=ctx.retry_failed)
    records.record_outcome(ctx.run, outcome, ctx.template, ctx.settings.sandbox.value)
    if outcome.status != "done":
        return {"outcomes": [outcome],
                "failures": [Failure(stage="experiment", idea=idea.name, reason=outcome.reason)]}
    if not outcome.plots and not outcome.plot_notes:
        ctx.begin("plot", idea=idea.name)
        outcome = await plotting.plot_idea(roles.plotter(ctx), outcome)
        records.record_outcome(ctx.run, outcome, ctx.template, ctx.settings.sandbox.value)
    paper = await _paper(ctx, outcome, 1, "write_paper")
    return {"outcomes": [outcome], "papers": [paper], "failures": paper_failures(paper, "write_paper")}


def paper_failures(paper: Paper, stage: str) -> list[Failure]:
    """A paper the writer gave up on, or one whose LaTeX did not compile, is a failure of the
    run (the paper is still reviewed from its source). Without TeX at all nothing compiles,
    as the run said when it started: that is not counted again for each paper."""
    if paper.status == "failed":
        return [Failure(stage=stage, idea=paper.idea_name, reason=paper.reason)]
    failures = []
    if paper.status == "not_compiled" and not paper.compile_log.startswith(NO_TEX):
        failures.append(Failure(stage="compile_paper", idea=paper.idea_name,
                                reason=paper.reason or "compile failed"))
    findings = paper.integrity.problems
    if findings:  # a paper whose claims the runs do not support has not passed
        failures.append(Failure(
            stage="integrity", idea=paper.idea_name,
            reason=(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in the paper "
                    f"(version {paper.version}): {findings[0][:300]}")))
    return failures


async def _review(ctx: RunContext, paper: Paper, title: str) -> ReviewOutcome:
    record = ctx.run.reviews_dir(paper.idea_name, paper.version) / records.OUTCOME
    if record.is_file():
        return ReviewOutcome.model_validate_json(record.read_text(encoding="utf-8"))
    ctx.begin("review", idea=paper.idea_name, version=paper.version)
    pdf = ctx.run.file(paper.pdf_path) if paper.pdf_path else None
    text, hidden = (await read_paper_pdf(ctx.tex, pdf) if pdf is not None and pdf.is_file()
                    else ("", []))
    text = reviewer.paper_text(text, ctx.run.file(paper.tex_path))
    figures = sorted(ctx.run.file(paper.tex_path).parent.glob("*.png"))
    outcome = await reviewer.review_text(
        ctx.llm, text, findings=paper.integrity.problems,
        num_reviewers=ctx.settings.num_reviewers, idea_name=paper.idea_name,
        version=paper.version, title=title, figures=figures,
        reflections=ctx.settings.review_reflections, area=ctx.template.system_prompt,
        hidden=[h.line() for h in hidden])
    records.record_reviews(ctx.run, outcome)
    ctx.run.event(Reviewed(idea=paper.idea_name, version=paper.version,
                           mean_overall=outcome.mean_overall, decision=outcome.decision,
                           failed_reviewers=len(outcome.failed_reviewers)))
    return outcome


async def review_paper(task: PaperTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    paper, outcome = task["paper"], task["outcome"]
    current_branch.set(paper.idea_name)
    title = outcome.idea.title
    results: list[ReviewOutcome] = []
    papers: list[Paper] = []
    failures: list[Failure] = []
    for version in range(1, ctx.settings.revise + 2):
        if version > 1:
            notes = "\n".join(results[-1].meta.suggestions)
            paper = await _paper(ctx, outcome, version, "revise", notes)
            papers.append(paper)
            failures += paper_failures(paper, "revise")
            if paper.status == "failed":
                break
        try:
            verdict = await _review(ctx, paper, title)
        except reviewer.AllReviewersFailed as exc:
            failures.append(Failure(stage="review", idea=paper.idea_name, reason=str(exc)[:500]))
            break
        results.append(verdict)
        failures += [Failure(stage="review", idea=paper.idea_name, reason=f)
                     for f in verdict.failed_reviewers]
    return {"reviews": results, "papers": papers, "failures": failures}
