"""Running untrusted experiment code: the sandbox interface and its backends (Docker, local).
"""

from typing import TYPE_CHECKING

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["images", "wheels"],
    submod_attrs={
        "base": [
            "Limits", "Sandbox", "SandboxError", "SandboxJob", "SandboxResult",
            "SandboxUnavailable", "Verdict",
        ],
        "conformance": ["BEHAVIOURS", "run_all"],
        "docker": ["DockerSandbox"],
        "images": ["cache_dir", "ensure_paper_image"],
        "local": ["LocalSandbox"],
        "ray_executor": ["RaySandbox", "node_name", "probe_node"],
        "tex": ["host_tex_env", "latex_job", "latexmk_command", "pdf_review_job"],
    },
)

if TYPE_CHECKING:
    from sandbox import images as images
    from sandbox import wheels as wheels
    from sandbox.base import (
        Limits as Limits,
    )
    from sandbox.base import (
        Sandbox as Sandbox,
    )
    from sandbox.base import (
        SandboxError as SandboxError,
    )
    from sandbox.base import (
        SandboxJob as SandboxJob,
    )
    from sandbox.base import (
        SandboxResult as SandboxResult,
    )
    from sandbox.base import (
        SandboxUnavailable as SandboxUnavailable,
    )
    from sandbox.base import (
        Verdict as Verdict,
    )
    from sandbox.conformance import BEHAVIOURS as BEHAVIOURS
    from sandbox.conformance import run_all as run_all
    from sandbox.docker import DockerSandbox as DockerSandbox
    from sandbox.images import cache_dir as cache_dir
    from sandbox.images import ensure_paper_image as ensure_paper_image
    from sandbox.local import LocalSandbox as LocalSandbox
    from sandbox.ray_executor import (
        RaySandbox as RaySandbox,
    )
    from sandbox.ray_executor import (
        node_name as node_name,
    )
    from sandbox.ray_executor import (
        probe_node as probe_node,
    )
    from sandbox.tex import (
        host_tex_env as host_tex_env,
    )
    from sandbox.tex import (
        latex_job as latex_job,
    )
    from sandbox.tex import (
        latexmk_command as latexmk_command,
    )
    from sandbox.tex import (
        pdf_review_job as pdf_review_job,
    )
