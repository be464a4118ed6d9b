"""The health checks before a run: the model, its keys and their routing, the sandbox, a Ray
cluster and its exposure (``run_checks``: the checks that run, doctor and review call).
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "checks": ["blocking_failures", "check_before_run", "run_checks"],
        "cluster_check": ["check_cluster"],
        "exposure_check": ["check_ray_exposure", "limit_caps_check"],
        "model_check": ["check_key_routing", "missing_keys"],
    },
)

if TYPE_CHECKING:
    from agents.preflight.checks import blocking_failures as blocking_failures
    from agents.preflight.checks import check_before_run as check_before_run
    from agents.preflight.checks import run_checks as run_checks
    from agents.preflight.cluster_check import check_cluster as check_cluster
    from agents.preflight.exposure_check import check_ray_exposure as check_ray_exposure
    from agents.preflight.exposure_check import limit_caps_check as limit_caps_check
    from agents.preflight.model_check import check_key_routing as check_key_routing
    from agents.preflight.model_check import missing_keys as missing_keys
