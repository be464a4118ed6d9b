"""Review: an ensemble of reviewers and a meta-review of each paper.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["reviewer"],
    submod_attrs={
        "hidden_text": ["read_paper_pdf"],
        "reviewer": ["paper_text", "review_text", "reviews_markdown"],
    },
)

if TYPE_CHECKING:
    from agents.review import reviewer as reviewer
    from agents.review.hidden_text import read_paper_pdf as read_paper_pdf
    from agents.review.reviewer import (
        paper_text as paper_text,
    )
    from agents.review.reviewer import (
        review_text as review_text,
    )
    from agents.review.reviewer import (
        reviews_markdown as reviews_markdown,
    )
