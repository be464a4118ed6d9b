"""What is typeset is what is checked: a paper whose source is intact but whose PDF hides the
results table, or shows a number no visible text holds, is caught by reading the PDF's text."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from agents.paper.assemble import assemble
from agents.paper.integrity import check_table
from agents.paper.results_table import results_table
from agents.paper.tex import Tex
from agents.paper.typeset import check_typeset, hidden_text
from agents.templates.template import load_template
from tests.agents.paper.conftest import make_outcome
from tests.support import tex_installed

pytestmark = pytest.mark.tex

RESULTS = "Table~\\ref{tab:results} lists every group for the baseline and both runs."
CONCLUSION = "Momentum changes how fast the tiny network fits the circles task."


def _compile(tmp_path: Path, results: str, conclusion: str) -> tuple[str, str]:
    """(the assembled source, the compiled PDF's text) of a paper with these two sections."""
    if not tex_installed():
        pytest.skip("TeX is not installed")
    paper = tmp_path / "paper"
    shutil.copytree(load_template("tiny_mlp").path / "latex", paper)
    (paper / "references.bib").write_text("", encoding="utf-8")
    table = results_table(make_outcome())
    sections = {"Abstract": "We study momentum.", "Results": results, "Conclusion": conclusion}
    source = assemble((paper / "template.tex").read_text(encoding="utf-8"), "Momentum", sections,
                      table=table, figures=[], has_bib=False)
    (paper / "template.tex").write_text(source, encoding="utf-8")
    tex = Tex.host()
    compiled = asyncio.run(tex.compile(paper))
    assert compiled.ok and compiled.pdf is not None, compiled.log_excerpt
    return source, asyncio.run(tex.pdf_text(compiled.pdf))


def test_the_generated_table_is_visible_in_the_pdf(tmp_path: Path) -> None:
    source, text = _compile(tmp_path, RESULTS, CONCLUSION)
    assert check_typeset(text, source) == []


def test_a_table_hidden_by_iffalse_is_caught_in_the_pdf_text(tmp_path: Path) -> None:
    """The locked block is in the source, unchanged, so the source check passes; the PDF
    does not show it."""
    source, text = _compile(tmp_path, RESULTS + "\n\\iffalse", "\\fi\n" + CONCLUSION)
    assert check_table(source, results_table(make_outcome())) == []
    found = check_typeset(text, source)
    assert any("results table is not visible in the PDF" in f for f in found), found
    assert hidden_text(RESULTS + "\n\\iffalse"), "the source check names the \\iffalse too"


def test_a_number_printed_by_a_macro_is_caught_in_the_pdf_text(tmp_path: Path) -> None:
    results = "\\newcommand{\\best}{0.9931}\nRun~1 reaches \\best{} on circles. " + RESULTS
    source, text = _compile(tmp_path, results, CONCLUSION)
    found = check_typeset(text, source)
    assert any("the PDF shows .9931" in f for f in found), found
