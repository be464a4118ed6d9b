"""Plots: run the idea's plot.py over its run folders in the sandbox; ask for fixes on failure."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from agents.code_edits import apply_edits
from agents.context import RunContext
from agents.llm.prompt_blocks import block
from agents.models import CodeChangeReply, IdeaOutcome
from agents.prompts import render
from sandbox.base import SandboxJob, SandboxResult

MAX_FIXES = 2


async def plot_idea(ctx: RunContext, outcome: IdeaOutcome) -> IdeaOutcome:
    idea_dir = ctx.run.idea_dir(outcome.idea.name)
    code_dir = idea_dir / "code"
    result: SandboxResult | None = None
    for attempt in range(MAX_FIXES + 1):
        result, pngs = await _run_plot(ctx, outcome, idea_dir, code_dir)
        if result.ok and pngs:
            return outcome.model_copy(update={"plots": pngs})
        if attempt == MAX_FIXES:
            break
        messages = render(
            "coder", "fix_plot", system={"template_system": ctx.template.system_prompt},
            feedback=block("feedback", result.feedback() + ("" if pngs else
                                                            "\nno *.png file was written")),
            code=block("code", (code_dir / "plot.py").read_text(encoding="utf-8"), path="plot.py"),
        )
        reply = await ctx.llm.structured("coder", "fix_plot", messages, CodeChangeReply)
        if reply.done or not apply_edits(code_dir, reply.edits).ok:
            break
    ctx.run.event("plot_failed", idea=outcome.idea.name,
                  feedback=result.feedback()[-500:] if result else "")
    return outcome


async def _run_plot(ctx: RunContext, outcome: IdeaOutcome, idea_dir: Path,
                    code_dir: Path) -> tuple[SandboxResult, list[str]]:
    job_dir = idea_dir / ".jobs" / "plot"
    shutil.rmtree(job_dir, ignore_errors=True)
    job_dir.mkdir(parents=True)
    shutil.copy2(code_dir / "plot.py", job_dir / "plot.py")
    for run in outcome.runs:
        src = idea_dir / f"run_{run.index}"
        if run.verdict == "ok" and src.is_dir():
            shutil.copytree(src, job_dir / src.name)
    if (idea_dir / "labels.json").exists():
        shutil.copy2(idea_dir / "labels.json", job_dir / "labels.json")
    job = SandboxJob(workdir=job_dir, command=["python", "plot.py"], limits=ctx.template.limits,
                     labels={"run_id": ctx.run.id, "idea": outcome.idea.name})
    result = await asyncio.to_thread(ctx.sandbox.run, job)
    plots_dir = idea_dir / "plots"
    plots_dir.mkdir(exist_ok=True)
    pngs = []
    for png in sorted(job_dir.glob("*.png")):
        shutil.copy2(png, plots_dir / png.name)
        pngs.append(f"plots/{png.name}")
    shutil.rmtree(job_dir, ignore_errors=True)
    ctx.run.event("sandbox_run", idea=outcome.idea.name, run="plot", verdict=result.verdict,
                  backend=result.backend, image=result.image, container=result.container,
                  duration_s=result.duration_s, plots=len(pngs))
    return result, pngs
