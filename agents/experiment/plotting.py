"""Plots: run the idea's plot.py over its run folders in the sandbox; ask for fixes on failure,
and for a redraw when a check of the figures (``figure_checks``) finds problems. A plot.py that
draws only the runs its ``labels`` dict names gets every run named first (``plot_labels``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.domain import EventBase, FiguresChecked, IdeaOutcome, PlotFailed
from agents.errors import LLMError
from agents.experiment.code_edits import CoderReply, apply_edits, read_coder_reply
from agents.experiment.figure_checks import CHECKS_FILE, FigureReport, check_figures, figure_feedback
from agents.experiment.notes import run_label
from agents.experiment.plot_labels import name_every_run
from agents.jobs import JobRunner
from agents.llm import LLMClient
from agents.prompts import Task, code_block, fenced, render
from agents.run import RunFolder, atomic_write_text, copy_file, copy_tree
from sandbox import Limits, SandboxResult

MAX_FIXES = 2


@dataclass(frozen=True)
class Plotter:
    """What the plot step uses, and nothing more: the run folder (each idea's files), the
    model, where its events go, the jobs and their limits, the area, whether the model is shown
    the figures (``--vision``), and how many redraws a bad figure gets."""

    run: RunFolder
    llm: LLMClient
    record: Callable[[EventBase], None]
    jobs: JobRunner
    limits: Limits
    area: str
    vision: bool | None = None
    figure_fixes: int = 1


async def plot_idea(plotter: Plotter, outcome: IdeaOutcome) -> IdeaOutcome:
    """``outcome`` with its plots (``plots/*.png``), each checked (``figure_checks``) and
    redrawn at most ``figure_fixes`` times; a plot that cannot be made, or a figure that stays
    bad, is a note."""
    idea_dir = plotter.run.idea_dir(outcome.idea.name)
    code_dir = idea_dir / "code"
    runs = {f"run_{r.index}": run_label(r) for r in outcome.runs if r.ok}
    left_out = await name_every_run(plotter.llm, plotter.record, plotter.area,
                                    code_dir, runs, outcome.idea.name)
    if left_out:
        outcome = outcome.model_copy(update={"plot_notes": [*outcome.plot_notes, left_out]})
    try:
        pngs, why = await _make_plots(plotter, outcome, idea_dir, code_dir)
    except LLMError as exc:
        return _no_plots(plotter, outcome, f"plot.py failed and the coder gave no fix: {exc}")
    if not pngs:
        return _no_plots(plotter, outcome, why)
    report = FigureReport()
    while True:
        verdicts = await check_figures(plotter.llm, plotter.area, plotter.vision,
                                       idea_dir, pngs)
        report.rounds.append(verdicts)
        atomic_write_text(idea_dir / "plots" / CHECKS_FILE, report.model_dump_json(indent=1))
        bad = [v for v in verdicts if v.status == "problems"]
        plotter.record(FiguresChecked(idea=outcome.idea.name, round=len(report.rounds),
                                     figures=len(verdicts), bad=len(bad),
                                     unchecked=sum(v.status == "unchecked" for v in verdicts)))
        if not bad or report.fixes >= plotter.figure_fixes:
            break
        drawn = (code_dir / "plot.py").read_text(encoding="utf-8")
        try:
            fixed = await _fix(plotter, code_dir, "It ran, but a check of its figures found these "
                               "problems:", figure_feedback(bad))
            redrawn, why = ((await _make_plots(plotter, outcome, idea_dir, code_dir)) if fixed
                            else ([], "the coder gave no fix"))
        except LLMError as exc:
            redrawn, why = [], f"the coder gave no fix: {str(exc)[:300]}"
        if not redrawn:  # no fix, or one that broke plot.py: keep the figures it drew before
            report.notes.append(f"the figures could not be redrawn: {why}")
            if (code_dir / "plot.py").read_text(encoding="utf-8") != drawn:
                atomic_write_text(code_dir / "plot.py", drawn)
                pngs, _ = await _make_plots(plotter, outcome, idea_dir, code_dir)  # cached: the same
            break
        pngs = redrawn
        report.fixes += 1
    atomic_write_text(idea_dir / "plots" / CHECKS_FILE, report.model_dump_json(indent=1))
    final = report.rounds[-1]
    notes = [f"figure {v.file}: {'; '.join(v.problems)[:400]}" for v in final
             if v.status == "problems"]
    kept = [v.file for v in final if v.valid_png and v.file in pngs]
    if not kept:
        return _no_plots(plotter, outcome, "no figure is a valid PNG image: " + "; ".join(notes))
    return outcome.model_copy(update={"plots": kept, "plot_notes": [*outcome.plot_notes, *notes]})


async def _fix(plotter: Plotter, code_dir: Path, what: str, feedback: str) -> bool:
    """Ask the coder to fix plot.py; whether an edit was applied (``LLMError`` when none came)."""
    current = (code_dir / "plot.py").read_text(encoding="utf-8")
    messages = render(Task.FIX_PLOT, area=plotter.area,
                      code=code_block("plot.py", current), outcome=what,
                      feedback=fenced(feedback[-2500:]))

    def parse(text: str) -> CoderReply:
        return read_coder_reply(text, default_path="plot.py", current=current)

    reply = await plotter.llm.ask("coder", Task.FIX_PLOT, messages, parse, what="plot fix")
    return not reply.done and apply_edits(code_dir, reply.edits).ok


async def _make_plots(plotter: Plotter, outcome: IdeaOutcome, idea_dir: Path,
                      code_dir: Path) -> tuple[list[str], str]:
    """The PNG files plot.py wrote (fixed at most MAX_FIXES times when it fails), or none and
    why; ``LLMError`` when the coder gave no fix."""
    result: SandboxResult | None = None
    for attempt in range(MAX_FIXES + 1):
        result, pngs = await _run_plot(plotter, outcome, idea_dir, code_dir)
        if result.ok and pngs:
            return pngs, ""
        if attempt == MAX_FIXES:
            break
        feedback = result.feedback() + ("" if pngs else "\nno *.png file was written")
        if not await _fix(plotter, code_dir, "It failed:", feedback):
            break
    return [], "plot.py failed: " + (result.feedback()[-300:] if result else "")


def _no_plots(plotter: Plotter, outcome: IdeaOutcome, note: str) -> IdeaOutcome:
    plotter.record(PlotFailed(idea=outcome.idea.name, feedback=note[-500:]))
    return outcome.model_copy(update={"plot_notes": [*outcome.plot_notes, note]})


async def _run_plot(plotter: Plotter, outcome: IdeaOutcome, idea_dir: Path,
                    code_dir: Path) -> tuple[SandboxResult, list[str]]:
    job_dir = idea_dir / ".jobs" / "plot"
    shutil.rmtree(job_dir, ignore_errors=True)
    job_dir.mkdir(parents=True)
    copy_file(code_dir / "plot.py", job_dir / "plot.py")
    for run in outcome.runs:
        src = idea_dir / f"run_{run.index}"
        if run.ok and src.is_dir():
            # each seed's results too: a figure shows the mean over the seeds and its spread
            copy_tree(src, job_dir / src.name,
                      ignore=shutil.ignore_patterns("stdout.txt", "stderr.txt", "*.png"))
    copy_file(idea_dir / "labels.json", job_dir / "labels.json")
    job = await plotter.jobs.run(job_dir, ["python", "plot.py"], plotter.limits,
                             labels={"idea": outcome.idea.name}, what="plot")
    plots_dir = idea_dir / "plots"
    plots_dir.mkdir(exist_ok=True)
    for stale in plots_dir.glob("*.png"):  # a redrawn plot replaces every figure
        stale.unlink()
    pngs = []
    for png in sorted(job_dir.glob("*.png")):
        if copy_file(png, plots_dir / png.name):  # empty or broken ones too: the check says so
            pngs.append(f"plots/{png.name}")
    shutil.rmtree(job_dir, ignore_errors=True)
    return job.result, pngs
