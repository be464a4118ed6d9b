"""The paper: sections written from the run's results, its claims checked against them, the
LaTeX and its compile (``tex``).
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["writer"],
    submod_attrs={
        "draft": ["check_draft", "copy_draft"],
        "tex": ["NO_TEX", "Tex", "tex_available"],
        "writer": ["PaperDesk"],
    },
)

if TYPE_CHECKING:
    from agents.paper import writer as writer
    from agents.paper.draft import check_draft as check_draft
    from agents.paper.draft import copy_draft as copy_draft
    from agents.paper.tex import NO_TEX as NO_TEX
    from agents.paper.tex import Tex as Tex
    from agents.paper.tex import tex_available as tex_available
    from agents.paper.writer import PaperDesk as PaperDesk
