"""The research workflow: one LangGraph StateGraph, checkpointed into the run folder.

ideate -> check_novelty -> [approve_ideas] -> (Send per selected idea) experiment -> plot
       -> write_paper -> [approve_paper] -> review (-> revise -> review)* -> finish

The approve nodes pause the run (a LangGraph interrupt) only when the user asked for that
checkpoint with --approve; the answer arrives with ``aisci resume`` or at the terminal.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send, interrupt

from agents import experimenter, ideation, novelty, plotting, reviewer, writer
from agents.context import RunContext
from agents.cost import CostLedger
from agents.models import IdeaOutcome, Paper, ReviewOutcome
from agents.state import IdeaTask, ResearchState

NODES = ("ideate", "check_novelty", "approve_ideas", "experiment", "plot", "write_paper",
         "approve_paper", "review", "finish")


def _ctx(runtime: Runtime[RunContext], stage: str) -> RunContext:
    """A node's start: a stage boundary (budget check), then its events are tagged."""
    ctx = runtime.context
    ctx.check_budget(stage)
    ctx.stage(stage)
    ctx.run.event("node_start", node=stage)
    return ctx


async def ideate_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "ideate")
    ideas = await ideation.ideate(ctx, state["topic"])
    ctx.run.write_json("ideas.json", ideas)
    return {"ideas": ideas}


async def novelty_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "check_novelty")
    source = await asyncio.to_thread(literature_source, ctx)
    ideas = await novelty.check_all(ctx, state["ideas"], source)
    ctx.run.write_json("ideas.json", ideas)
    return {"ideas": ideas}


def literature_source(ctx: RunContext) -> Any:
    from agents.literature.registry import default_cache_dir, get_source

    return get_source(ctx.settings.literature, cache_dir=default_cache_dir())  # type: ignore[arg-type]


async def approve_ideas_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    if "ideas" not in ctx.settings.approve:
        return {}
    ideas = state["ideas"]
    answer = interrupt({"checkpoint": "ideas", "ideas": [
        {"name": i.name, "title": i.title, "selected": i.selected,
         "novel": bool(i.novelty_verdict and i.novelty_verdict.novel)} for i in ideas]})
    # After the interrupt: the node re-runs from its start on resume, so nothing above has effects.
    approved = bool(answer)
    ctx.run.event("approval", checkpoint="ideas", approved=approved)
    if approved:
        return {}
    ideas = [i.model_copy(update={"selected": False}) for i in ideas]
    ctx.run.write_json("ideas.json", ideas)
    return {"ideas": ideas}


async def approve_paper_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    if "paper" not in ctx.settings.approve or not state.get("papers"):
        return {}
    answer = interrupt({"checkpoint": "paper", "papers": [
        p.pdf_path or p.tex_path for p in state.get("papers", [])]})
    approved = bool(answer)
    ctx.run.event("approval", checkpoint="paper", approved=approved)
    return {} if approved else {"papers": []}


def fan_out(state: ResearchState) -> list[Send] | str:
    selected = [i for i in state["ideas"] if i.selected]
    if not selected:
        return "finish"
    return [Send("experiment", {"idea": idea}) for idea in selected]


async def experiment_node(task: IdeaTask, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "experiment")
    outcome = await experimenter.run_idea(ctx, task["idea"])
    return {"outcomes": [outcome]}


async def plot_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "plot")
    plotted: list[IdeaOutcome] = []
    for outcome in state.get("outcomes", []):
        plotted.append(await plotting.plot_idea(ctx, outcome) if outcome.status == "done" else outcome)
    return {"plotted": plotted}


async def write_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "write_paper")
    papers: list[Paper] = []
    for outcome in state.get("plotted", []):
        if outcome.status == "done":
            papers.append(await writer.write_paper(ctx, outcome))
    return {"papers": papers}


async def review_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "review")
    outcomes = {o.idea.name: o for o in state.get("plotted", [])}
    results: list[ReviewOutcome] = []
    papers = list(state.get("papers", []))
    for paper in list(papers):
        verdict = await _review(ctx, paper)
        results.append(verdict)
        for version in range(2, ctx.settings.revise + 2):
            notes = "\n".join(verdict.meta.suggestions)
            ctx.stage("revise")
            paper = await writer.write_paper(ctx, outcomes[paper.idea_name], version=version,
                                             revision_notes=notes)
            papers.append(paper)
            ctx.stage("review")
            verdict = await _review(ctx, paper)
            results.append(verdict)
    return {"reviews": results, "papers": papers}


async def _review(ctx: RunContext, paper: Paper) -> ReviewOutcome:
    pdf = ctx.run.path / paper.pdf_path if paper.pdf_path else None
    text = reviewer.paper_text(pdf, ctx.run.path / paper.tex_path)
    figures = sorted((ctx.run.path / paper.tex_path).parent.glob("*.png"))
    outcome = await reviewer.review_text(ctx.llm, text, num_reviewers=ctx.settings.num_reviewers,
                                         idea_name=paper.idea_name, version=paper.version,
                                         figures=figures)
    folder = ctx.run.idea_dir(paper.idea_name) / ("reviews" if paper.version == 1
                                                   else f"reviews_v{paper.version}")
    reviewer.save_reviews(outcome, folder)
    ctx.run.event("review", idea=paper.idea_name, version=paper.version,
                  mean_overall=outcome.mean_overall, decision=outcome.decision)
    return outcome


async def finish_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _ctx(runtime, "finish")
    ctx.run.write_json("ideas.json", state.get("ideas", []))
    ctx.run.write_json("cost.json", CostLedger.from_events(ctx.run.events()))
    done = [o for o in state.get("outcomes", []) if o.status == "done"]
    status = "completed" if done else "completed_without_results"
    return {"status": status}


def build_graph() -> StateGraph[ResearchState, RunContext, ResearchState, ResearchState]:
    graph = StateGraph(ResearchState, context_schema=RunContext)
    graph.add_node("ideate", ideate_node)
    graph.add_node("check_novelty", novelty_node)
    graph.add_node("approve_ideas", approve_ideas_node)
    graph.add_node("approve_paper", approve_paper_node)
    graph.add_node("experiment", experiment_node, input_schema=IdeaTask)  # type: ignore[call-overload]
    graph.add_node("plot", plot_node)
    graph.add_node("write_paper", write_node)
    graph.add_node("review", review_node)
    graph.add_node("finish", finish_node)
    graph.add_edge(START, "ideate")
    graph.add_edge("ideate", "check_novelty")
    graph.add_edge("check_novelty", "approve_ideas")
    graph.add_conditional_edges("approve_ideas", fan_out, ["experiment", "finish"])
    graph.add_edge("experiment", "plot")
    graph.add_edge("plot", "write_paper")
    graph.add_edge("write_paper", "approve_paper")
    graph.add_edge("approve_paper", "review")
    graph.add_edge("review", "finish")
    graph.add_edge("finish", END)
    return graph
