"""The live block: each idea's stage and time, the job it waits for and the job's last output
lines (escape sequences removed); a failed step gets a red cross."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from agents.cli.live import LiveRun, clean
from agents.cli.output import failed, summary
from agents.domain import JobStart, LLMCall, NodeStart, SandboxRun
from agents.domain.status import Failure
from agents.run.folder import RunFolder


def render(live: LiveRun) -> str:
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(live.__rich__())
    return out.getvalue()


def test_block_shows_stage_per_idea_the_running_job_and_its_last_lines(tmp_path: Path) -> None:
    run = RunFolder.create(tmp_path, "t")
    live = LiveRun(Console(file=io.StringIO(), width=80), run)
    run.listeners.append(live.on_event)
    run.output_listeners.append(live.on_output)
    run.event(NodeStart(node="check_novelty"))
    run.event(NodeStart(node="experiment", idea="momentum_study"))
    run.event(NodeStart(node="write_paper", idea="label_noise"))
    run.event(JobStart(idea="momentum_study", run="run_2/seed_1"))
    labels = {"idea": "momentum_study", "what": "run_2/seed_1"}
    for chunk in ("epoch 1 loss 0.9\nepoch 2 lo", "ss 0.7\n\x1b[31mepoch 3\x1b[0m loss 0.5\r",
                  "\x1b]0;title\x07step\x07 4\n"):
        run.job_output(labels, "stdout", chunk)
    run.event(LLMCall(role="ideas", task="generate_ideas", model="openai/m", prompt_tokens=10,
                      completion_tokens=5, cost_usd=0.25))
    text = render(live)
    assert "research_idea · 1 model calls · $0.2500" in text
    assert re.search(r"momentum_study +experiment +0:00 +run_2/seed_1 0:00", text), text
    assert "label_noise" in text and "write_paper" in text
    shown = [line for line in text.splitlines() if "│" in line]
    assert shown == ["  │ momentum_study run_2/seed_1: epoch 3 loss 0.5",
                     "  │ momentum_study run_2/seed_1: step  4"], text
    assert "\x1b" not in text and "\x07" not in text

    assert re.search(r"^⠋ 0:00  research_idea ·", text, re.M), "the header names the run's stage"
    run.event(JobStart(idea="paper", run="compile"))  # a job outside any idea's branch
    assert re.search(r"^  paper +job +0:00 +compile", render(live), re.M)
    run.event(SandboxRun(idea="paper", run="compile", verdict="ok"))
    assert not re.search(r"^  paper ", render(live), re.M), "a finished job outside a branch stays"
    run.event(SandboxRun(idea="momentum_study", run="run_2/seed_1", verdict="ok"))
    assert "│" not in render(live), "a finished job's output stays on screen"
    live.finished("momentum_study")
    assert "momentum_study" not in render(live)


def test_clean_removes_what_a_terminal_would_obey() -> None:
    assert clean("\x1b[2J\x1b[Hok\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x00done", 80) == "oklink  done"
    assert clean("x" * 100, 10) == "x" * 9 + "…"


def test_a_failed_step_is_marked_failed() -> None:
    base = SimpleNamespace(verdict="error", primary=None, feedback="Traceback...\nNameError: x")
    assert failed("baseline", {"baseline": base})
    assert summary("baseline", {"baseline": base}) == "error: Traceback..."
    assert not failed("baseline", {"baseline": SimpleNamespace(verdict="ok", primary=0.7)})
    assert failed("research_idea", {"failures": [Failure(stage="experiment", reason="x")]})
