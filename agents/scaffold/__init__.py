"""The template-free start (``aisci run TOPIC --from-scratch``): the coder writes the experiment
(``template_writer``), aisci adds its command line and results writer (``harness``) and the
imports it forgot (``imports``), and a failed check goes back with advice from a table
(``hints``, ``data/hints.toml``). The graph's ``scaffold`` node runs it first.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "template_writer": ["TEMPLATE_DIR", "ScaffoldFailed", "scaffold_template"],
    },
)

if TYPE_CHECKING:
    from agents.scaffold.template_writer import TEMPLATE_DIR as TEMPLATE_DIR
    from agents.scaffold.template_writer import ScaffoldFailed as ScaffoldFailed
    from agents.scaffold.template_writer import scaffold_template as scaffold_template
