"""Sections as a 1.5B model really wrote them (from a real-model run) compile in the paper image
once cleaned: a Markdown heading that repeats the section name (it became ``\\paragraph`` inside
the abstract, "perhaps a missing \\item"), a list whose ``\\begin`` went with a removed sentence,
a Markdown table with bare underscores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agents.paper.assemble import SECTIONS, assemble, clean_section
from agents.paper.markup import balanced_environments
from agents.paper.removal import remove_unit
from sandbox.docker import DockerSandbox
from sandbox.tex import latex_job

REPO = Path(__file__).resolve().parents[2]

WRITTEN = {
    "Abstract": "### Abstract\n\nIn this study, we investigate how the width of the hidden layer "
                "affects the training time of a one-hidden-layer network (p < 0.05).",
    "Introduction": "**Introduction**\n\nThe study investigates the width of the hidden layer. "
                    "\\begin{itemize} \\item We propose a new approach to training networks. "
                    "\\item We provide a benchmarking framework.\n\\end{itemize}\n\n"
                    "Our work also has practical implications.",
    "Results": "## Results\n| run | change | val_accuracy |\n|---|---|---|\n| run_1 | WIDTH = 64 "
               "| 0.73 |\n\nThe val_accuracy of run_1 is 0.73, as in Table~\\ref{tab:results}.",
}


@pytest.mark.docker
def test_sections_a_small_model_wrote_compile(docker_sandbox: DockerSandbox, paper_image: str,
                                               tmp_path: Path) -> None:
    sections = {name: clean_section(WRITTEN.get(name, f"The {name} section of the paper."))
                for name in SECTIONS}
    # The integrity check removes a sentence that opened the list (as in the real run).
    intro, gone = remove_unit(sections["Introduction"],
                              "\\begin{itemize} \\item We propose a new approach to training "
                              "networks.")
    assert gone
    sections["Introduction"] = balanced_environments(intro)
    assert "Abstract" not in sections["Abstract"] and "\\paragraph" not in sections["Abstract"]
    assert "|" not in sections["Results"]  # the Markdown table is dropped
    paper = tmp_path / "paper"
    paper.mkdir()
    skeleton = (REPO / "templates" / "tiny_mlp" / "latex" / "template.tex").read_text()
    source = assemble(skeleton, "Width and training time", sections, table="", figures=[],
                      has_bib=False)
    (paper / "template.tex").write_text(source)
    shutil.copyfile(REPO / "templates" / "tiny_mlp" / "latex" / "references.bib",
                    paper / "references.bib")
    result = docker_sandbox.run(latex_job(paper, image=paper_image))
    log = (paper / "paper.log").read_text(errors="replace") if (paper / "paper.log").exists() else ""
    assert result.verdict == "ok", log[-3000:] or result.stdout_tail[-2000:]
