"""What the terminal shows while a run works and when it ends: lines for people (default),
nothing but the run folder (``--quiet``), or one JSON object per line (``--json``)."""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from rich.text import Text

from agents.cli.common import console, err
from agents.cost import CostLedger
from agents.run import RunFolder

if TYPE_CHECKING:
    from agents.workflow import RunEnd


def failed(node: str, update: dict[str, Any]) -> bool:
    """Whether a finished node's step failed (it recorded a failure, or its baseline did not
    run): the line gets a red cross instead of a green tick."""
    if update.get("failures"):
        return True
    base = update.get("baseline") if node == "baseline" else None
    return base is not None and getattr(base, "verdict", "ok") != "ok"


def summary(node: str, update: dict[str, Any]) -> str:
    """One line on what a finished node did."""
    if node in ("ideate", "check_novelty") and update.get("ideas"):
        ideas = update["ideas"]
        chosen = sum(1 for i in ideas if getattr(i, "selected", False))
        return f"{len(ideas)} ideas" + (f", {chosen} selected" if node == "check_novelty" else "")
    if node == "baseline" and update.get("baseline") is not None:
        base = update["baseline"]
        value = f" ({base.primary:.4g})" if base.primary is not None else ""
        why = "" if base.verdict == "ok" else f": {str(getattr(base, 'feedback', ''))[:120]}"
        return (f"{base.verdict}{value}{why.splitlines()[0] if why else ''}"
                + "".join(f"\n  {note}" for note in getattr(base, "notes", [])))
    if node == "research_idea" and update.get("outcomes"):
        o = update["outcomes"][0]
        runs = ", ".join(f"run_{r.index} {r.verdict}" for r in o.runs)
        papers = update.get("papers") or []
        paper = f"; paper: {papers[0].status}" if papers else ""
        return f"{o.idea.name}: {o.status} ({runs}){paper}"
    if node == "review_paper":
        return ", ".join(f"{r.idea_name} v{r.paper_version}: {r.decision} ({r.mean_overall})"
                         for r in update.get("reviews", [])) or "no review"
    return ""


class Output:
    def __init__(self, quiet: bool = False, as_json: bool = False) -> None:
        self.mode = "json" if as_json else "quiet" if quiet else "rich"
        self.started = time.monotonic()
        self._live: Any = None

    def info(self, message: str, **fields: Any) -> None:
        if self.mode == "rich":
            console.print(Text(message), highlight=False)
        elif self.mode == "json" and fields:
            print(json.dumps(fields), flush=True)

    def warn(self, message: str) -> None:
        err.print(Text.assemble(("warning: ", "yellow"), message), soft_wrap=True)

    def live(self, run_folder: RunFolder) -> Any:
        """The live block while the run works (rich mode only; ``agents.cli.live``)."""
        if self.mode != "rich" or not console.is_terminal:  # a log file gets the lines only
            return contextlib.nullcontext()
        from agents.cli.live import LiveRun

        self._live = LiveRun(console, run_folder, started=self.started)
        return self._live

    def node(self, node: str, update: dict[str, Any]) -> None:
        if node.startswith("approve_") and not update:
            return  # a checkpoint nobody asked for, or one already answered: nothing to show
        detail = summary(node, update)
        note = next((i.literature_note for i in update.get("ideas", []) if i.literature_note), "")
        if note and node == "check_novelty":
            self.warn(note)  # once per run: the node runs once
        if self.mode == "rich":
            from agents.cli.live import clock

            if self._live is not None:
                for outcome in update.get("outcomes", []):
                    self._live.finished(outcome.idea.name)
                for review in update.get("reviews", []):
                    self._live.finished(review.idea_name)
            mark = ("✗ ", "red") if failed(node, update) else ("✓ ", "green")
            console.print(Text.assemble(mark, node, f": {detail}" if detail else "",
                                        (f"  {clock(time.monotonic() - self.started)}", "dim")),
                          highlight=False)
        elif self.mode == "json":
            print(json.dumps({"event": "node", "node": node, "detail": detail,
                              "ok": not failed(node, update)}), flush=True)

    def done(self, run_folder: RunFolder, end: RunEnd) -> None:
        # execute() has just written cost.json from the events: read it, don't recount.
        ledger = CostLedger.model_validate(run_folder.read_json("cost.json", {}) or {})
        status = end.status.value
        failures = [f.model_dump() for f in end.failures]
        if self.mode == "json":
            print(json.dumps({"event": "done", "status": status, "run_dir": str(run_folder.path),
                              "calls": ledger.total.calls, "cost_usd": ledger.total.cost_usd,
                              "notional_cost": ledger.notional, "failures": failures}), flush=True)
            return
        if self.mode == "quiet":
            print(run_folder.path, flush=True)
            return
        note = " (notional prices of the offline model)" if ledger.notional else ""
        tokens = ledger.total.prompt_tokens + ledger.total.completion_tokens
        console.print(Text(f"Done: {status}. {ledger.total.calls} model calls, {tokens} tokens, "
                           f"${ledger.total.cost_usd:.4f}{note}."), highlight=False)
        for f in failures:
            where = f" {f['idea']}" if f.get("idea") else ""
            console.print(Text.assemble(("✗ ", "red"), f"{f['stage']}{where}: {f['reason']}"),
                          highlight=False, soft_wrap=True)
        console.print(Text(f"Artifacts: {run_folder.path} (open report.html)"), highlight=False)
