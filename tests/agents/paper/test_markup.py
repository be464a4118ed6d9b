"""What small models write as a LaTeX section compiles: Markdown and bare specials are fixed,
and correct LaTeX is left as it is."""

from __future__ import annotations

import pytest

from agents.paper.markup import plain_latex


@pytest.mark.parametrize(("written", "latex"), [
    ("### Run 1 (DATA_NOISE 0.5)", r"\paragraph{Run 1 (DATA\_NOISE 0.5)}"),
    ("**Validation accuracy** rises", r"\textbf{Validation accuracy} rises"),
    ("with `DATA_NOISE` set", r"with \texttt{DATA\_NOISE} set"),
    ("reaches 73% on moons & circles, #1", r"reaches 73\% on moons \& circles, \#1"),
    ("x^2 outside math", r"x\^{}2 outside math"),
])
def test_markdown_and_bare_specials_become_latex(written: str, latex: str) -> None:
    assert plain_latex(written) == latex


@pytest.mark.parametrize("correct", [
    r"The \texttt{val\_accuracy} is 0.91 (\%), see Figure~\ref{fig:val_acc} and \cite{kingma_2015}.",
    r"$x_i^2 + y_{j}$ and \(a_b\) and \[c_d\]",
    r"\begin{equation} L = \sum_i \ell_i \end{equation}",
    r"\includegraphics[width=\linewidth]{val_accuracy.png}",
    "\\begin{tabular}{lc}\nrun & val\\_accuracy \\\\\nrun\\_1 & 0.91 \\\\\n\\end{tabular}",
])
def test_correct_latex_is_unchanged(correct: str) -> None:
    assert plain_latex(correct) == correct


def test_environments_left_open_are_closed_and_stray_ends_dropped() -> None:
    assert plain_latex("We find:\n\\begin{itemize}\n\\item a\n\\item b") == (
        "We find:\n\\begin{itemize}\n\\item a\n\\item b\n\\end{itemize}")
    assert plain_latex("x \\end{itemize} y") == "x  y"
    nested = "\\begin{itemize}\\item \\begin{enumerate}\\item q\\end{itemize}"
    assert plain_latex(nested) == ("\\begin{itemize}\\item \\begin{enumerate}\\item q"
                                   "\\end{enumerate}\\end{itemize}")
    stray_in_quote = "\\item a \\begin{quote} x"
    assert plain_latex(stray_in_quote) == ("\\begin{itemize}\n\\item a \\begin{quote} x"
                                           "\n\\end{quote}\n\\end{itemize}")
    whole = "\\begin{itemize}\n\\item a\n\\end{itemize}\nDone."
    assert plain_latex(whole) == whole


def test_a_display_a_model_wrote_compiles() -> None:
    """From a CI run: a blank line inside ``align*`` ends the paragraph before the display is
    complete, and a bare ``%`` there comments out the rest of the row."""
    written = ("\\begin{align*}\n\\textbf{Split:} & \\text{95% of the points} \\\\\n\n"
               "\\textbf{Seeds:} & \\text{two}\n\\end{align*}")
    assert plain_latex(written) == ("\\begin{align*}\n\\textbf{Split:} & \\text{95\\% of the "
                                    "points} \\\\\n\\textbf{Seeds:} & \\text{two}\n\\end{align*}")
