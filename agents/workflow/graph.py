"""The research workflow: one LangGraph StateGraph, checkpointed into the run folder.

    baseline -> ideate -> check_novelty (-> ideate again while no idea is novel, up to
      --idea-rounds) -> [approve_ideas]
      -> (Send per selected idea) research_idea: experiment -> plots -> paper
      -> [approve_paper] -> (Send per paper) review_paper: reviews (-> revise -> reviews)*
      -> finish

The per-idea branches run in parallel (``max_concurrency``). The approve nodes pause the run
(a LangGraph interrupt) only when the user asked for that checkpoint with ``--approve``; the
answer arrives with ``aisci resume`` or at the terminal. Failures of science and of models are
data in the state (``failures``); ``finish`` turns them into the run's status.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send, interrupt

from agents.domain import Approval, Failure, Finish, IdeaRound, IdeaRoundDone, LiteratureNote, RunStatus
from agents.ideas import ideation, novelty
from agents.literature import LiteratureSource, literature_for_run
from agents.run import RunContext
from agents.scaffold import ScaffoldFailed, scaffold_template
from agents.workflow import roles
from agents.workflow.branches import research_idea, review_paper
from agents.workflow.services import adopt_template
from agents.workflow.state import IdeaTask, PaperTask, ResearchState

#: The graph's nodes, and the stages inside the per-idea branches (events name both).
NODES = ("scaffold", "baseline", "ideate", "check_novelty", "approve_ideas", "research_idea", "approve_paper",
         "review_paper", "finish")
STAGES = ("experiment", "plot", "write_paper", "review", "revise")


def _node(runtime: Runtime[RunContext], stage: str) -> RunContext:
    ctx = runtime.context
    ctx.begin(stage)
    return ctx


async def scaffold_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """A template-free run: the coder writes the experiment and it is checked in the sandbox
    (``agents.scaffold.template_writer``); from here on the run goes on from that template. A run
    whose coder wrote nothing that runs goes to ``finish`` with the failure."""
    ctx = _node(runtime, "scaffold")
    try:
        folder = await scaffold_template(ctx.run, state["topic"], ctx.llm, ctx.jobs,
                                         max_attempts=ctx.settings.max_attempts)
    except ScaffoldFailed as exc:
        return {"failures": [Failure(stage="scaffold", reason=str(exc))]}
    adopt_template(ctx, folder)
    return {"scaffolded": True}


def start_at(state: ResearchState) -> str:
    return "scaffold" if state.get("from_scratch") and not state.get("scaffolded") else "baseline"


def after_scaffold(state: ResearchState) -> str:
    return "baseline" if state.get("scaffolded") else "finish"


async def baseline_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The baseline, or the one a fresh run started while LangGraph was still being imported
    (``runner.start_baseline``)."""
    ctx = runtime.context
    early, ctx.early_baseline = ctx.early_baseline, None
    run = await (early if early is not None else roles.baseline_stage(ctx))
    if run.ok:
        return {"baseline": run}
    return {"baseline": run, "failures": [Failure(
        stage="baseline", reason=f"the template's baseline did not run: {run.feedback[:500]}")]}


def after_baseline(state: ResearchState) -> str:
    return "ideate" if state["baseline"].ok else "finish"


async def _literature(ctx: RunContext) -> tuple[LiteratureSource | None, str]:
    return await asyncio.to_thread(literature_for_run, ctx.settings.literature.value)


async def ideate_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """One round of ideas; a later round (none of the earlier ideas was novel) is shown the
    earlier ideas and the papers that cover them."""
    ctx = _node(runtime, "ideate")
    earlier = state.get("ideas", [])
    round_no = state.get("idea_round", 0) + 1
    source, _ = await _literature(ctx)
    ctx.run.event(IdeaRound(round=round_no, of=ctx.settings.idea_rounds,
                            earlier_ideas=len(earlier)))
    new = await ideation.ideate(roles.ideator(ctx), state["topic"], source, earlier=earlier,
                                round_no=round_no)
    return {"ideas": [*earlier, *new], "idea_round": round_no}


async def novelty_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """The verdicts on this round's ideas (the earlier rounds' keep theirs)."""
    ctx = _node(runtime, "check_novelty")
    source, note = await _literature(ctx)
    if note:
        ctx.run.event(LiteratureNote(note=note))
    ideas = state["ideas"]
    done = [i for i in ideas if i.novelty_verdict is not None]
    fresh = [i for i in ideas if i.novelty_verdict is None]
    ideas = [*done, *await novelty.check_all(roles.novelty_judge(ctx), fresh, source, note)]
    round_no = state.get("idea_round", 1)
    another = not any(i.selected for i in ideas) and round_no < ctx.settings.idea_rounds
    ctx.run.event(IdeaRoundDone(round=round_no, of=ctx.settings.idea_rounds,
                                selected=sum(i.selected for i in ideas), another_round=another))
    return {"ideas": ideas, "another_round": another}


def after_novelty(state: ResearchState) -> str:
    """Another round of ideas when none so far is selected and rounds are left."""
    return "ideate" if state.get("another_round") else "approve_ideas"


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
    ctx.run.event(Approval(checkpoint="ideas", approved=approved))
    if approved:
        return {}
    return {"ideas": [i.model_copy(update={"selected": False}) for i in ideas],
            "declined": "ideas"}


def fan_out_ideas(state: ResearchState) -> list[Send] | str:
    selected = [i for i in state["ideas"] if i.selected]
    if not selected:
        return "finish"
    return [Send("research_idea", IdeaTask(idea=idea)) for idea in selected]


async def approve_paper_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = runtime.context
    papers = [p for p in state.get("papers", []) if p.status != "failed"]
    if "paper" not in ctx.settings.approve or not papers:
        return {}
    answer = interrupt({"checkpoint": "paper", "papers": [p.pdf_path or p.tex_path for p in papers]})
    approved = bool(answer)
    ctx.run.event(Approval(checkpoint="paper", approved=approved))
    return {"papers_approved": True} if approved else {"papers_approved": False, "declined": "paper"}


def fan_out_papers(state: ResearchState) -> list[Send] | str:
    if not state.get("papers_approved", True):
        return "finish"
    outcomes = {o.idea.name: o for o in state.get("outcomes", [])}
    sends = [Send("review_paper", PaperTask(paper=p, outcome=outcomes[p.idea_name]))
             for p in state.get("papers", []) if p.version == 1 and p.status != "failed"
             and p.idea_name in outcomes]
    return sends or "finish"


def run_status(state: ResearchState) -> RunStatus:
    reviewed = {r.idea_name for r in state.get("reviews", [])}
    if not reviewed:
        return RunStatus.failed
    return RunStatus.completed_with_failures if state.get("failures") else RunStatus.completed


async def finish_node(state: ResearchState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    ctx = _node(runtime, "finish")
    new: list[Failure] = []
    ideas = state.get("ideas", [])
    if ideas and not any(i.selected for i in ideas) and not state.get("declined"):
        new.append(Failure(stage="check_novelty", reason=(
            f"no idea was selected: none was judged novel in {state.get('idea_round', 1)} "
            f"round(s) of ideas (--idea-rounds allows more; --include-not-novel runs them "
            f"anyway)")))
    status = run_status({**state, "failures": [*state.get("failures", []), *new]})
    if state.get("declined") and not state.get("failures"):
        status = RunStatus.declined  # a person chose to stop at a checkpoint
    ctx.run.event(Finish(status=status.value, failures=[*state.get("failures", []), *new]))
    return {"status": status, "failures": new}


def build_graph() -> StateGraph[ResearchState, RunContext, ResearchState, ResearchState]:
    graph = StateGraph(ResearchState, context_schema=RunContext)
    graph.add_node("scaffold", scaffold_node)
    graph.add_node("baseline", baseline_node)
    graph.add_node("ideate", ideate_node)
    graph.add_node("check_novelty", novelty_node)
    graph.add_node("approve_ideas", approve_ideas_node)
    graph.add_node("research_idea", research_idea, input_schema=IdeaTask)  # type: ignore[call-overload]
    graph.add_node("approve_paper", approve_paper_node)
    graph.add_node("review_paper", review_paper, input_schema=PaperTask)  # type: ignore[call-overload]
    graph.add_node("finish", finish_node)
    graph.add_conditional_edges(START, start_at, ["scaffold", "baseline"])
    graph.add_conditional_edges("scaffold", after_scaffold, ["baseline", "finish"])
    graph.add_conditional_edges("baseline", after_baseline, ["ideate", "finish"])
    graph.add_edge("ideate", "check_novelty")
    graph.add_conditional_edges("check_novelty", after_novelty, ["ideate", "approve_ideas"])
    graph.add_conditional_edges("approve_ideas", fan_out_ideas, ["research_idea", "finish"])
    graph.add_edge("research_idea", "approve_paper")
    graph.add_conditional_edges("approve_paper", fan_out_papers, ["review_paper", "finish"])
    graph.add_edge("review_paper", "finish")
    graph.add_edge("finish", END)
    return graph
