"""The terminal while a run works: one block, redrawn four times a second, under the lines of
the finished steps.

It shows the run's elapsed time, its stage, the model calls and their cost; per idea, the
stage it is in and for how long, the sandbox job it waits for, and the last lines that job
printed (the sandbox streams them). A job's output is model-written and untrusted: escape
sequences and control characters are removed before it reaches the terminal, and a line is
cut to the width.

    with LiveRun(console, run_folder):
        asyncio.run(execute(...))
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from agents.domain import EventBase, JobStart, LLMCall, NodeEnd, NodeStart, SandboxRun
from agents.run import RunFolder

#: Lines kept (and shown) of each running job's output.
TAIL_LINES = 2
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def clean(line: str, width: int) -> str:
    """A line of untrusted output as plain printable text, at most ``width`` characters."""
    text = "".join(c if c.isprintable() else " " for c in _ESCAPES.sub("", line.expandtabs(4)))
    text = text.rstrip()
    return text if len(text) <= width else text[:max(0, width - 1)] + "…"


def clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:" if hours else "") + f"{rest // 60:{'02' if hours else ''}d}:{rest % 60:02d}"


@dataclass
class Job:
    name: str
    since: float
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    partial: str = ""


@dataclass
class Branch:
    stage: str
    since: float
    jobs: dict[str, Job] = field(default_factory=dict)
    #: Made for a job outside any idea's branch (a paper compile): gone with its last job.
    implicit: bool = False


#: The graph node that an idea's stage belongs to (the header names the run's stage).
_GRAPH_NODE = {"experiment": "research_idea", "plot": "research_idea",
               "write_paper": "research_idea", "review": "review_paper", "revise": "review_paper"}


class LiveRun:
    def __init__(self, console: Console, run_folder: RunFolder, *,
                 started: float | None = None) -> None:
        self.console = console
        self.run_folder = run_folder
        self.started = time.monotonic() if started is None else started
        self.stage = "starting"
        self.calls = 0
        self.cost = 0.0
        self.branches: dict[str, Branch] = {}
        self._lock = threading.Lock()
        self._live = Live(self, console=console, refresh_per_second=4, transient=True)
        self._spinner = Spinner("dots")

    # --- what the run reports -----------------------------------------------------------------

    def on_event(self, event: EventBase) -> None:
        now = time.monotonic()
        with self._lock:
            if isinstance(event, NodeStart):
                if event.idea is not None:
                    self.branches[event.idea] = Branch(event.node, now)
                    self.stage = _GRAPH_NODE.get(event.node, self.stage)
                else:
                    self.stage = event.node
                    if self.stage == "baseline":
                        self.branches["baseline"] = Branch("baseline", now)
            elif isinstance(event, NodeEnd) and event.node == "baseline":
                self.branches.pop("baseline", None)
            elif isinstance(event, LLMCall):
                self.calls += 1
                self.cost += event.cost_usd
            elif isinstance(event, JobStart) and event.idea is not None:
                name = event.run or "job"
                branch = self.branches.setdefault(event.idea, Branch("job", now, implicit=True))
                branch.jobs[name] = Job(name, now)
            elif isinstance(event, SandboxRun) and event.idea is not None \
                    and event.idea in self.branches:
                branch = self.branches[event.idea]
                branch.jobs.pop(event.run or "job", None)
                if branch.implicit and not branch.jobs:
                    del self.branches[event.idea]

    def on_output(self, labels: dict[str, str], _stream: str, text: str) -> None:
        idea, name = labels.get("idea"), labels.get("what") or "job"
        with self._lock:
            branch = self.branches.get(idea or "")
            job = branch.jobs.get(name) if branch else None
            if job is None:
                return
            lines = re.split(r"\r\n|\r|\n", job.partial + text)
            job.partial = lines.pop()[-2000:]
            for line in lines:
                if line.strip():
                    job.tail.append(line)

    def finished(self, idea: str) -> None:
        """An idea's branch has ended (its line is printed above the block)."""
        with self._lock:
            self.branches.pop(idea, None)

    # --- the block ----------------------------------------------------------------------------

    def __rich__(self) -> RenderableType:
        now = time.monotonic()
        width = max(20, self.console.width - 6)
        with self._lock:
            head = Text.assemble((clock(now - self.started), "bold"), f"  {self.stage} · "
                                 f"{self.calls} model calls · ${self.cost:.4f}")
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(no_wrap=True)
            grid.add_column(no_wrap=True, justify="right")
            grid.add_column(no_wrap=True, overflow="ellipsis")
            lines: list[RenderableType] = []
            for idea, branch in self.branches.items():
                job = max(branch.jobs.values(), key=lambda j: j.since, default=None)
                doing = f"{job.name} {clock(now - job.since)}" if job else ""
                grid.add_row(f"  {idea}", branch.stage, clock(now - branch.since), doing)
            for idea, branch in self.branches.items():
                for job in branch.jobs.values():
                    for line in job.tail:
                        lines.append(Text(f"  │ {idea} {job.name}: " + clean(line, width - len(
                            idea) - len(job.name) - 6), style="dim"))
        self._spinner.text = head
        return Group(self._spinner, grid, *lines[-2 * TAIL_LINES * 2:])

    def __enter__(self) -> LiveRun:
        self.run_folder.listeners.append(self.on_event)
        self.run_folder.output_listeners.append(self.on_output)
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()
        for listeners, fn in ((self.run_folder.listeners, self.on_event),
                              (self.run_folder.output_listeners, self.on_output)):
            if fn in listeners:
                listeners.remove(fn)  # type: ignore[arg-type]
