"""One step of the tree search, without the sandbox: a variant whose code repeats a node's is
recorded as rejected instead of run again, and the offline coder's drafts and improves change
the code on any spelling of a value and do not repeat what the tree already tried."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from agents.domain.experiments import ExperimentRun, SearchNode, SearchTree
from agents.domain.ideas import Idea
from agents.experiment import coder
from agents.experiment.code_edits import apply_edits, read_coder_reply
from agents.experiment.search import Op, TreeSearch
from agents.offline_model import model as offline_model
from agents.prompts import Task
from agents.templates.template import templates_dir
from agents.workflow.roles import experimenter
from tests.support import offline_context

IDEA = Idea(name="lr", title="Step size", experiment="Change LEARNING_RATE from 0.05 to 0.1.",
            interestingness=5, feasibility=9, novelty=3)


def _search(tmp_path: Path, replies: list[str]) -> TreeSearch:
    ctx: Any = offline_context(tmp_path)

    async def ask(role: str, step: str, messages: Any, parse: Any, **_: Any) -> Any:
        return parse(replies.pop(0))

    ctx.llm.ask = ask
    base = ExperimentRun(index=0, description="baseline", verdict="ok", primary=0.8)
    return TreeSearch(experimenter(ctx), IDEA, tmp_path / "idea", base)


def _lr_to(value: str) -> str:
    return (f"Why: try it\nChange: LEARNING_RATE = {value}\n\nexperiment.py\n<<<<<<< SEARCH\n"
            f"LEARNING_RATE = 0.05  # SGD step size\n=======\nLEARNING_RATE = {value}  # SGD step size\n"
            f">>>>>>> REPLACE\n")


def test_a_variant_that_repeats_a_nodes_code_is_rejected_not_run(tmp_path: Path) -> None:
    search = _search(tmp_path, [_lr_to("0.1"), _lr_to("0.1"), _lr_to("0.2")])
    ran: list[int] = []

    async def run(node_id: int, code: Path, description: str, seeds: Any = None) -> ExperimentRun:
        ran.append(node_id)
        return ExperimentRun(index=node_id, description=description, verdict="ok", primary=0.9)

    search._run = run  # type: ignore[method-assign]
    for node_id in (1, 2, 3):
        search.tree.nodes.append(asyncio.run(search.expand(Op("draft", 0, node_id), node_id)))
    verdicts = [(n.id, n.run.verdict) for n in search.tree.nodes]
    assert verdicts == [(0, "ok"), (1, "ok"), (2, "error"), (3, "ok")]
    assert search.tree.node(2).run.feedback == "edit rejected: the code is the same as node 1's"
    assert ran == [1, 3]


def _tree_reply(tmp_path: Path, code: str, operation: str, request: str,
                tree: SearchTree) -> tuple[Any, str]:
    ctx: Any = offline_context(tmp_path)
    folder = tmp_path / "code"
    shutil.copytree(ctx.template.path, folder)
    (folder / "experiment.py").write_text(code)
    task = Task.DRAFT if operation.startswith("draft") else Task.IMPROVE
    messages = coder.tree_messages(experimenter(ctx), IDEA, folder, task=task, operation=operation,
                                   tree=tree, request=request)
    reply = read_coder_reply(offline_model.answer(messages, task), current=code)
    assert apply_edits(folder, reply.edits).ok
    return reply, (folder / "experiment.py").read_text()


def _node(node_id: int, kind: Any, change: str, primary: float) -> SearchNode:
    return SearchNode(id=node_id, parent=0 if node_id else None, kind=kind, run=ExperimentRun(
        index=node_id, description=change, verdict="ok", primary=primary))


@pytest.mark.parametrize("spelling", ["0.05", "5e-2"])
def test_the_scale_factor_draft_changes_the_line_however_the_value_is_spelled(
        tmp_path: Path, spelling: str) -> None:
    source = (templates_dir() / "tiny_mlp" / "experiment.py").read_text()
    code = source.replace("LEARNING_RATE = 0.05", f"LEARNING_RATE = {spelling}")
    tree = SearchTree(nodes=[_node(0, "baseline", "", 0.8)])
    reply, edited = _tree_reply(tmp_path, code, "draft a variant of the experiment",
                                "Make draft 2 of 3: a variant of the baseline.", tree)
    assert reply.description == "LEARNING_RATE = 0.15 via a scale factor"
    assert edited != code
    assert "LEARNING_RATE = 0.05 * LEARNING_RATE_SCALE  # SGD step size" in edited


def test_improving_the_same_node_again_tries_a_new_value(tmp_path: Path) -> None:
    source = (templates_dir() / "tiny_mlp" / "experiment.py").read_text()
    best = source.replace("LEARNING_RATE = 0.05", "LEARNING_RATE = 0.1")
    request = "Node 1 (LEARNING_RATE = 0.1) is the best so far. Change its code to do better still."
    tree = SearchTree(nodes=[_node(0, "baseline", "", 0.8), _node(1, "draft", "LEARNING_RATE = 0.1", 0.9)])
    first, _ = _tree_reply(tmp_path / "a", best, "improve the best variant", request, tree)
    assert first.description == "LEARNING_RATE = 0.15"
    tree.nodes.append(_node(2, "improve", first.description, 0.85))
    second, _ = _tree_reply(tmp_path / "b", best, "improve the best variant", request, tree)
    assert second.description not in ("LEARNING_RATE = 0.1", "LEARNING_RATE = 0.15")
    assert second.description == "LEARNING_RATE = 0.125"


def test_a_tried_value_is_matched_whole_not_as_a_prefix(tmp_path: Path) -> None:
    source = (templates_dir() / "tiny_mlp" / "experiment.py").read_text()
    best = source.replace("LEARNING_RATE = 0.05", "LEARNING_RATE = 0.1")
    request = "Node 1 (LEARNING_RATE = 0.1) is the best so far. Change its code to do better still."
    tree = SearchTree(nodes=[_node(0, "baseline", "", 0.8), _node(1, "draft", "LEARNING_RATE = 0.1", 0.9),
                             _node(2, "draft", "LEARNING_RATE = 0.155", 0.7)])
    reply, _ = _tree_reply(tmp_path, best, "improve the best variant", request, tree)
    assert reply.description == "LEARNING_RATE = 0.15"  # 0.155 was tried, 0.15 was not
