"""Ideas: generating, refining and scoring them, and checking their novelty. Each role takes
what it uses (``Ideator``, ``NoveltyJudge``), built from the run's context by
``agents.workflow.roles``.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["ideation", "novelty"],
    submod_attrs={
        "ideation": ["Ideator"],
        "novelty": ["NoveltyJudge"],
    },
)

if TYPE_CHECKING:
    from agents.ideas import ideation as ideation
    from agents.ideas import novelty as novelty
    from agents.ideas.ideation import Ideator as Ideator
    from agents.ideas.novelty import NoveltyJudge as NoveltyJudge
