"""Ideas: generating, refining and scoring them, and checking their novelty.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["ideation", "novelty"],
    submod_attrs={
    },
)

if TYPE_CHECKING:
    from agents.ideas import ideation as ideation
    from agents.ideas import novelty as novelty
