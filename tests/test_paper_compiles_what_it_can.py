"""A section the model cannot get to compile costs that part of the section, not the paper.

In a CI run the 1.5B model wrote its Experimental Setup as an ``align*`` of prose rows with a
blank line in it and a bare ``95%`` (a comment inside math): TeX stopped ("Paragraph ended
before \\align* was complete"), the model's fixes did not help, and the run ended with no PDF.
Here a model over real HTTP writes that section, plus a paragraph that uses an environment the
template does not load, and answers every fix and revision with the same text. The display is
made to compile when the section is cleaned; the paragraph TeX still stops at is taken out and
listed among the removals; the rest of the paper compiles in the real paper image.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.offline_model import reading
from tests.fake_openai_server import FakeOpenAIServer
from tests.support import docker_or_skip, load, only_run

#: What the model wrote (the CI run's display), and an algorithm it had no package for.
DISPLAY = r"""\begin{align*}
\textbf{Baseline Model:} & \text{Tiny MLP trained with SGD on synthetic 2-D tasks: the whole baseline run} \\
\textbf{Evaluation:} & \text{accuracy on 95% of the held-out points} \\

\textbf{Seeds:} & \text{two seeds per variant}
\end{align*}"""
ALGORITHM = r"""\begin{algorithmic}
\State train the network with momentum
\end{algorithmic}"""
SETUP = (f"We compare plain SGD with heavy-ball momentum on the template's tasks.\n\n{DISPLAY}\n\n"
         f"{ALGORITHM}\n\nEvery variant is trained with the template's own script.")


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    return str(content) if not isinstance(content, list) else " ".join(
        str(p.get("text", "")) for p in content if isinstance(p, dict))


def stubborn(messages: list[dict[str, Any]]) -> str | None:
    """The broken section for every write, revision and fix of it; the offline model's answer
    for everything else."""
    title = reading.task(_text(messages[-1]))
    if title in ("write the experimental setup section", "revise the experimental setup section",
                 "fix a latex error"):
        return f"```latex\n{SETUP}\n```"
    return None


@pytest.mark.docker
def test_what_does_not_compile_is_taken_out_and_the_paper_compiles(tmp_path: Path) -> None:
    docker_or_skip("the paper compile")
    with FakeOpenAIServer() as server:
        server.override = stubborn
        result = CliRunner().invoke(app, [
            "run", "momentum in small networks", "--model", "openai/fake-local",
            "--api-base", server.url, "--template", "tiny_mlp", "--runs-dir", str(tmp_path),
            "--num-ideas", "1", "--max-runs", "1", "--seeds", "2", "--reviewers", "1",
            "--include-not-novel", "--refine-rounds", "0"])
    run = only_run(tmp_path)
    [idea] = (run / "ideas").iterdir()
    paper = load(idea / "paper" / "paper.json")
    assert isinstance(paper, dict), result.output
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "llm_call" and e["task"] == "fix_latex" for e in events), \
        "the model was asked to fix the section first"
    assert paper["status"] == "compiled", paper["compile_log"]
    assert not any("compile failed" in p for p in paper["problems"]), paper["problems"]
    removed = " ".join(paper["integrity"]["removed"])
    assert re.search(r"Experimental Setup: removed \"\\begin\{algorithmic\}.*\" \(it did not "
                     r"compile: .*algorithmic", removed), removed
    tex = (idea / "paper" / "template.tex").read_text(encoding="utf-8")
    assert "algorithmic" not in tex
    assert r"\textbf{Seeds:} & \text{two seeds per variant}" in tex, "the display stays"
    assert "Every variant is trained with the template's own script." in tex
    assert (idea / "paper" / "paper.pdf").read_bytes().startswith(b"%PDF")
