"""Reading an author's draft into the skeleton's sections (LaTeX source, or a PDF's text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.errors import ConfigError
from agents.paper.draft import check_draft, parse_tex, parse_text, section_for

TEX = r"""\documentclass{article}
\newcommand{\mine}{x}
\title{A title}
\begin{document}
\maketitle
\begin{abstract}
We study momentum. % a private remark
\end{abstract}
\section{Introduction}\label{sec:intro}
Momentum is old. It reached 97.3\% in our pilot.

\subsection{Why now}
Because small models are cheap.
\section[Approach]{Our Approach}
We add momentum.
\begin{figure}[t]\includegraphics{fig.pdf}\caption{A figure.}\end{figure}
\section{Limitations}
Few seeds.
\section*{Results on \textsc{Moons}}
To be run.
\bibliography{refs}
\appendix
\section{More results}
Appendix text.
\end{document}
"""

PDF_TEXT = """A Title of Mine
Jane Doe

Abstract. We study momentum in small
networks & find things.

1 Introduction
Momentum is a well-known tech-
nique. It uses 50% of the time_budget.

2

2. Related Work
Polyak did it first.

3 Method
We add it.
References
[1] Polyak, 1964.
"""


def test_a_latex_draft_is_split_into_the_skeletons_sections() -> None:
    draft = parse_tex(TEX)
    assert list(draft.sections) == ["Abstract", "Introduction", "Method", "Results"]
    assert draft.sections["Abstract"] == "We study momentum."
    intro = draft.sections["Introduction"]
    assert intro.startswith("Momentum is old. It reached 97.3\\% in our pilot.")
    assert "\\paragraph{Why now.}" in intro and "\\label" not in intro
    method = draft.sections["Method"]
    assert "We add momentum." in method and "\\paragraph{Limitations.} Few seeds." in method
    assert "includegraphics" not in method and "A figure." not in method
    assert "\\mine" not in str(draft.sections) and "Appendix text" not in str(draft.sections)
    assert any("appendix" in n for n in draft.notes) and any("figure" in n for n in draft.notes)


def test_a_pdfs_text_is_split_at_its_headings_and_escaped() -> None:
    draft = parse_text(PDF_TEXT)
    assert draft.sections == {
        "Abstract": "We study momentum in small networks \\& find things.",
        "Introduction": "Momentum is a well-known technique. It uses 50\\% of the time\\_budget.",
        "Related Work": "Polyak did it first.",
        "Method": "We add it.",
    }


@pytest.mark.parametrize(("heading", "section"), [
    ("Introduction", "Introduction"), ("2 Related Work", "Related Work"),
    ("Methods", "Method"), ("Experiments", "Results"), ("Conclusions", "Conclusion"),
    ("Experimental Setup", "Experimental Setup"), ("Acknowledgments", None)])
def test_headings_name_sections(heading: str, section: str | None) -> None:
    assert section_for(heading) == section


def test_a_bad_draft_is_bad_input(tmp_path: Path) -> None:
    fake = tmp_path / "draft.pdf"
    fake.write_text("not a pdf")
    with pytest.raises(ConfigError, match="not a PDF file"):
        check_draft(fake)
    good = tmp_path / "draft.tex"
    good.write_text(TEX)
    assert check_draft(good) == good.resolve()


def test_a_real_pdfs_text_gives_the_drafts_sections(tmp_path: Path) -> None:
    import asyncio
    import shutil
    import subprocess

    from agents.paper.tex import Tex
    from tests.support import IN_CI

    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("TeX and poppler must be installed in CI")
        pytest.skip("pdflatex/pdftotext not installed")
    (tmp_path / "draft.tex").write_text(TEX.replace(r"\includegraphics{fig.pdf}", ""))
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "draft.tex"], cwd=tmp_path,
                   capture_output=True, timeout=120, check=False)
    text = asyncio.run(Tex.host().pdf_text(tmp_path / "draft.pdf"))  # our own PDF: on the host
    draft = parse_text(text)
    assert draft.sections["Abstract"] == "We study momentum."
    assert draft.sections["Introduction"].startswith("Momentum is old. It reached 97.3\\% in our pilot.")
    assert "We add momentum." in draft.sections["Method"]
