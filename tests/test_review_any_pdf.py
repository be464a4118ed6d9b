"""`aisci review` reviews a PDF that aisci did not produce."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.domain.reviews import ReviewOutcome
from tests.support import IN_CI

FOREIGN_PAPER = r"""\documentclass{article}
\begin{document}
\title{Sparse Attention for Long Documents}\author{A. Person}\maketitle
\begin{abstract}We propose a block-sparse attention pattern and measure its accuracy on a
long-document classification benchmark.\end{abstract}
\section{Introduction} Long documents strain dense attention, whose cost grows quadratically.
\section{Method} We keep a local window of 128 tokens and 16 global tokens per block.
\section{Experiments} On our benchmark the sparse model reaches 81.2 percent accuracy against
80.7 for dense attention, while using 3.1 times less memory. Figure 1 shows the memory curve.
\section{Conclusion} Sparse attention matches dense attention at a fraction of the memory.
More seeds and datasets are needed. Limitations include a single benchmark and one model size.
\end{document}
"""


@pytest.fixture
def foreign_pdf(tmp_path: Path) -> Path:
    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("TeX and poppler must be installed in CI")
        pytest.skip("pdflatex/pdftotext not installed")
    (tmp_path / "sparse.tex").write_text(FOREIGN_PAPER)
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "sparse.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=120)
    return tmp_path / "sparse.pdf"


def test_review_of_a_foreign_pdf_is_valid(foreign_pdf: Path) -> None:
    result = CliRunner().invoke(app, ["review", str(foreign_pdf), "--model", "mock",
                                      "--reviewers", "2"])
    assert result.exit_code == 0, result.output
    outcome = ReviewOutcome.model_validate_json(foreign_pdf.with_suffix(".review.json").read_text())
    assert len(outcome.reviews) == 2
    assert all(1 <= r.overall <= 10 and 1 <= r.confidence <= 5 for r in outcome.reviews)
    assert outcome.decision == ("accept" if outcome.mean_overall >= 6 else "reject")
    markdown = foreign_pdf.with_suffix(".review.md").read_text()
    assert "## Review 1" in markdown and "Meta-review" in markdown


def test_review_of_a_missing_file_fails_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["review", str(tmp_path / "nope.pdf"), "--model", "mock"])
    assert result.exit_code == 2 and "no such file" in result.output
