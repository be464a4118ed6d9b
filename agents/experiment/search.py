"""The tree search over an idea's experiment variants (``--search tree``).

A node is a version of the code with its sandbox results (every seed). The policy, in order:

1. **drafts**: ``drafts`` variants, each from the baseline (node 0), each a different way to
   test the idea;
2. **debug and improve**, while the node and time budget lasts: a failed node (not yet fixed,
   at most ``debug_depth`` fixes deep) gets a child with its error fed back; the best node so
   far gets a child that tries to improve on it;
3. **ablations and a replication** of the best node: each of its changes to the baseline undone
   in turn (no model call: the change is reverted in the code), and its code run again with
   ``replication_seeds`` more seeds.

Nodes expand ``parallel_nodes`` at a time, as independent sandbox jobs (cached like every job).
Each finished node is saved at once (``tree/node_<id>.json``, its code in ``tree/node_<id>/``),
so a resumed search never runs a finished node again: the plan is made from the saved nodes.
The paper is written from the best node's path and its ablations and replication.
"""

from __future__ import annotations

import asyncio
import difflib
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from agents.domain import ExperimentRun, Idea, NodeKind, SearchNode, SearchTree
from agents.errors import LLMError
from agents.experiment import coder
from agents.experiment.code_edits import apply_edits, read_coder_reply, unified_diff
from agents.experiment.grading import edit_guard, layout_keeper, record_refusal
from agents.experiment.lab import Experimenter
from agents.experiment.variants import COPY_IGNORE, code_files, run_variant
from agents.prompts import Task
from agents.run import atomic_write_json, atomic_write_text, copy_tree, read_for_prompt

MODEL_FAILED = "the coder model gave no usable answer"


class Op(NamedTuple):
    kind: NodeKind
    parent: int
    draft: int = 0


class TreeSearch:
    def __init__(self, exp: Experimenter, idea: Idea, idea_dir: Path, base: ExperimentRun) -> None:
        self.exp, self.idea, self.idea_dir = exp, idea, idea_dir
        self.settings = exp.tree
        self.folder = idea_dir / "tree"
        self.started = time.monotonic()
        root = SearchNode(id=0, parent=None, kind="baseline", run=base)
        self.tree = SearchTree(nodes=[root, *self._saved()])  # a resumed search keeps its nodes
        root_code = self.code_dir(0)
        if not root_code.is_dir():
            copy_tree(exp.template.path, root_code, ignore=COPY_IGNORE)

    # --- the tree on disk -----------------------------------------------------------------

    def code_dir(self, node_id: int) -> Path:
        return self.folder / f"node_{node_id}"

    def _saved(self) -> list[SearchNode]:
        records = sorted(self.folder.glob("node_*.json"), key=lambda p: int(p.stem[5:]))
        return [SearchNode.model_validate_json(p.read_text(encoding="utf-8")) for p in records]

    def _save(self, node: SearchNode) -> None:
        atomic_write_text(self.folder / f"node_{node.id}.json", node.model_dump_json(indent=1))

    def best(self) -> SearchNode | None:
        candidates = [n for n in self.tree.nodes if n.ok and n.run.primary is not None
                      and n.kind in ("draft", "debug", "improve")]
        if not candidates:
            return None
        metric = self.exp.metric
        key = (lambda n: n.run.primary) if metric.lower_is_better else (lambda n: -(n.run.primary or 0))
        return min(candidates, key=key)

    # --- the policy -----------------------------------------------------------------------

    def _spent(self) -> int:
        return len(self.tree.nodes) - 1

    def _final_reserve(self) -> int:
        return self.settings.ablations + (1 if self.settings.replication_seeds else 0)

    def plan(self) -> list[Op]:
        """The next expansions, from the saved tree alone (so a resume plans the same)."""
        width = self.settings.parallel_nodes
        done = {n.draft for n in self.tree.nodes if n.kind == "draft"}
        drafts = [Op("draft", 0, k) for k in range(1, self.settings.drafts + 1) if k not in done]
        room = self.settings.max_nodes - self._final_reserve() - self._spent()
        if drafts:
            return drafts[:max(1, min(width, room))]
        if room <= 0 or self._out_of_time():
            return []
        children = {n.parent for n in self.tree.nodes}
        ops = [Op("debug", n.id) for n in self.tree.nodes
               if not n.ok and n.kind not in ("ablation", "replication") and n.id not in children
               and n.debug_depth < self.settings.debug_depth
               and not n.run.feedback.startswith(MODEL_FAILED)]
        best = self.best()
        if best is not None:
            ops.append(Op("improve", best.id))
        return ops[:min(width, room)]

    def _out_of_time(self) -> bool:
        return time.monotonic() - self.started > self.settings.max_minutes * 60

    async def run(self) -> SearchTree:
        while ops := self.plan():
            first = max(n.id for n in self.tree.nodes) + 1
            nodes = await asyncio.gather(*(self.expand(op, first + i) for i, op in enumerate(ops)))
            self.tree.nodes.extend(nodes)
            if not any(n.ok for n in nodes) and all(op.kind == "improve" for op in ops):
                break  # nothing left that improves: stop before the budget is spent in vain
        self.tree.stopped = ("time budget" if self._out_of_time() else
                             "node budget" if self._spent() >= self.settings.max_nodes - self._final_reserve()
                             else "no expansion left")
        await self.finalize()
        best = self.best()
        self.tree.best = best.id if best else None
        atomic_write_json(self.idea_dir / "tree.json", self.tree)
        return self.tree

    # --- expanding a node -----------------------------------------------------------------

    def _request(self, op: Op) -> tuple[str, str]:
        metric = self.exp.metric
        if op.kind == "draft":
            others = [n.run.description for n in self.tree.nodes if n.kind == "draft"]
            avoid = f" The other drafts so far: {'; '.join(others)}." if others else ""
            return ("draft a variant of the experiment",
                    f"Make draft {op.draft} of {self.settings.drafts}: a variant of the baseline "
                    f"that tests the idea in its own way.{avoid}")
        parent = self.tree.node(op.parent)
        if op.kind == "debug":
            return ("debug a failed variant",
                    f"Node {parent.id} ({parent.run.description}) failed:\n"
                    f"```\n{parent.run.feedback[-2000:]}\n```\nFix its code so that it runs, "
                    f"keeping what it was meant to test.")
        return ("improve the best variant",
                f"Node {parent.id} ({parent.run.description}) is the best so far: "
                f"{metric.name} = {parent.run.primary:.4g} ({metric.direction} is better). "
                f"Change its code to do better still.")

    async def expand(self, op: Op, node_id: int) -> SearchNode:
        parent = self.tree.node(op.parent)
        parent_code = self.code_dir(parent.id)
        operation, request = self._request(op)
        task = Task(op.kind)
        messages = coder.tree_messages(self.exp, self.idea, parent_code, task=task,
                                       operation=operation, tree=self.tree, request=request)
        current = (parent_code / "experiment.py").read_text(encoding="utf-8")
        depth = parent.debug_depth + 1 if op.kind == "debug" else 0
        try:
            reply = await self.exp.llm.ask("coder", task, messages,
                                           lambda text: read_coder_reply(text, current=current),
                                           what="code edit")
        except LLMError as exc:  # a failure of the model, recorded in the tree; not debugged
            node = SearchNode(id=node_id, parent=parent.id, kind=op.kind, debug_depth=depth,
                              draft=op.draft, run=ExperimentRun(
                                  index=node_id, description=f"{op.kind} of node {parent.id}",
                                  verdict="error", feedback=f"{MODEL_FAILED}: {exc}"))
            self._save(node)
            return node
        code = self.code_dir(node_id)
        shutil.rmtree(code, ignore_errors=True)
        copy_tree(parent_code, code)
        description = reply.description or f"{op.kind} of node {parent.id}"
        if op.kind == "debug":  # a fix: the variant is still the parent's, now working
            description = f"{parent.run.description} (fixed: {description})"
        edit = apply_edits(code, reply.edits, edit_guard(self.exp.template),
                           layout_keeper(self.exp.template))
        if edit.refused_by_grader:
            record_refusal(self.exp.record, self.idea.name, f"node_{node_id}", edit.reason)
        same = self._same_code_as(code) if edit.ok else None
        if not edit.ok:
            run = ExperimentRun(index=node_id, description=description, verdict="error",
                                feedback=f"edit rejected: {edit.reason}")
        elif same is not None:  # a repeat costs a node, not a sandbox job
            run = ExperimentRun(index=node_id, description=description, verdict="error",
                                feedback=f"edit rejected: the code is the same as node {same}'s")
        else:
            run = await self._run(node_id, code, description)
        node = SearchNode(id=node_id, parent=parent.id, kind=op.kind, run=run,
                          reasoning=reply.reasoning, debug_depth=depth, draft=op.draft)
        self._save(node)
        return node

    def _same_code_as(self, code: Path) -> int | None:
        """The node of the search (not an ablation or replication) whose code ``code`` repeats."""
        def text(folder: Path) -> dict[str, str]:
            return {name: text for name in code_files(folder)
                    if (text := read_for_prompt(folder / name)) is not None}

        mine = text(code)
        for node in self.tree.nodes:
            folder = self.code_dir(node.id)
            if node.kind not in ("ablation", "replication") and folder.is_dir() \
                    and text(folder) == mine:
                return node.id
        return None

    async def _run(self, node_id: int, code: Path, description: str,
                   seeds: list[int] | None = None) -> ExperimentRun:
        diff = unified_diff(self.exp.template.path, code, code_files(code))
        variant = await run_variant(self.exp, code, self.idea_dir / f"run_{node_id}",
                                    labels={"idea": self.idea.name}, seeds=seeds)
        atomic_write_text(code / f"run_{node_id}.diff", diff)
        return ExperimentRun(
            index=node_id, description=description, verdict=variant.verdict,
            final_info=variant.final_info, stats=variant.stats, seeds=seeds or self.exp.seeds,
            primary=self.exp.metric.value(variant.final_info), duration_s=variant.duration_s,
            diff=diff, feedback=variant.feedback, image=variant.image,
            container=variant.container, backend=variant.backend, cached=variant.cached)

    # --- ablations and replication --------------------------------------------------------

    async def finalize(self) -> None:
        best = self.best()
        if best is None:
            return
        done = {(n.kind, n.run.description) for n in self.tree.nodes if n.parent == best.id}
        jobs = []
        next_id = max(n.id for n in self.tree.nodes) + 1
        for label, code in self._ablations(best)[:self.settings.ablations]:
            if ("ablation", f"without {label}") in done:
                continue
            jobs.append(self._finish_node(next_id, "ablation", best, f"without {label}", code))
            next_id += 1
        if self.settings.replication_seeds and not any(kind == "replication" for kind, _ in done):
            n = len(self.exp.seeds)
            seeds = list(range(n + self.settings.replication_seeds))
            jobs.append(self._finish_node(next_id, "replication", best,
                                          f"{best.run.description}, on {len(seeds)} seeds",
                                          self.code_dir(best.id), seeds))
        self.tree.nodes.extend(await asyncio.gather(*jobs))

    def _ablations(self, best: SearchNode) -> list[tuple[str, str]]:
        """The best code with one of its changed blocks (against the baseline) undone, each."""
        def lines(node_id: int) -> list[str]:
            path = self.code_dir(node_id) / "experiment.py"
            return path.read_text(encoding="utf-8").splitlines(keepends=True)

        base, ours = lines(0), lines(best.id)
        blocks = [op for op in difflib.SequenceMatcher(None, base, ours).get_opcodes() if op[0] != "equal"]
        out = []
        for _tag, i1, i2, j1, j2 in blocks:
            undone = ours[:j1] + base[i1:i2] + ours[j2:]
            added = "".join(ours[j1:j2]).strip()
            label = added.splitlines()[0][:60] if added else f"the removal at line {i1 + 1}"
            out.append((label, "".join(undone)))
        return out

    async def _finish_node(self, node_id: int, kind: NodeKind, best: SearchNode,
                           description: str, code: str | Path,
                           seeds: list[int] | None = None) -> SearchNode:
        target = self.code_dir(node_id)
        shutil.rmtree(target, ignore_errors=True)
        copy_tree(self.code_dir(best.id), target)
        if isinstance(code, str):
            (target / "experiment.py").write_text(code, encoding="utf-8")
        run = await self._run(node_id, target, description, seeds)
        node = SearchNode(id=node_id, parent=best.id, kind=kind, run=run,
                          reasoning="undo one change of the best variant" if kind == "ablation"
                          else "run the best variant again on more seeds")
        self._save(node)
        return node


def reported_runs(tree: SearchTree) -> list[ExperimentRun]:
    """What the paper reports: the best node's path, then its ablations and replication."""
    if tree.best is None:
        return [tree.node(0).run]
    path = [n.run for n in tree.path_to(tree.best)]
    extra = [n.run for n in tree.nodes if n.parent == tree.best and n.kind in ("ablation", "replication")]
    return [*path, *extra]
