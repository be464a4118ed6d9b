"""A plot file name from the sandbox cannot inject TeX: the paper gets a plain name.

A plot named ``curve}\\input{leak}.png`` next to a ``leak.tex`` (both written by experiment
code): the figure is in the compiled PDF, ``leak.tex``'s text is not, and the source has no
``\\input``.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from pathlib import Path

import pytest

from agents.paper.assemble import figure_block
from agents.paper.context import Figure
from agents.paper.tex import Tex
from agents.paper.writer import figures_for
from agents.tex import is_tex_file_name
from tests.agents.paper.conftest import make_outcome
from tests.support import tex_installed

LEAK = "LEAKEDCANARYTEXT"
HOSTILE = "curve}\\input{leak}.png"


def _png(path: Path) -> None:
    """A real 8x8 grey PNG."""
    raw = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_a_hostile_figure_name_reaches_tex_as_a_plain_name(tmp_path: Path) -> None:
    idea_dir, paper_dir = tmp_path / "idea", tmp_path / "paper"
    (idea_dir / "plots").mkdir(parents=True)
    paper_dir.mkdir()
    _png(idea_dir / "plots" / HOSTILE)
    (paper_dir / "leak.tex").write_text(LEAK + "\n")
    outcome = make_outcome().model_copy(update={"plots": [f"plots/{HOSTILE}"]})
    [figure] = figures_for(paper_dir, idea_dir, outcome)
    assert is_tex_file_name(figure.file) and "\\" not in figure.file and "}" not in figure.file
    block = figure_block([figure])
    assert "\\input" not in block and figure.file in block
    # A Figure built some other way with a raw name is left out, never typeset.
    assert figure_block([Figure(file=HOSTILE, label="fig:x", caption="x")]) == ""
    if not tex_installed():
        pytest.skip("TeX is not installed")
    (paper_dir / "template.tex").write_text(
        "\\documentclass{article}\\usepackage{graphicx}\\begin{document}\n"
        f"Some text.\n{block}\n\\end{{document}}\n")
    tex = Tex.host()
    result = asyncio.run(tex.compile(paper_dir))
    assert result.ok, result.log_excerpt
    text = asyncio.run(tex.pdf_text(paper_dir / "paper.pdf"))
    assert LEAK not in text and "Some text." in text
