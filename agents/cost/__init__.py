"""What a run costs: the ledger summed from its model calls, and the estimate before it starts.
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "estimate": ["run_estimate"],
        "ledger": ["CostLedger"],
    },
)

if TYPE_CHECKING:
    from agents.cost.estimate import run_estimate as run_estimate
    from agents.cost.ledger import CostLedger as CostLedger
