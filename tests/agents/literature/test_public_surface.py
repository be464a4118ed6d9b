"""``agents.literature`` imports each part when first used (its surface is checked with every
folder's in ``tests/test_public_surfaces.py``): an offline run's import of the package brings no
HTTP client."""

from __future__ import annotations

import subprocess
import sys


def test_the_offline_path_imports_no_http_client() -> None:
    code = ("import sys, agents.literature.registry as r; r.resolve_name('offline'); "
            "print('httpx' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
