"""``agents.literature`` names its public surface (``__all__``) and imports each part when first
used: every name resolves to the object its module defines, and an offline run's import of the
package brings no HTTP client."""

from __future__ import annotations

import importlib
import subprocess
import sys

import agents.literature as literature


def test_every_public_name_is_its_modules_object() -> None:
    assert sorted(literature.__all__) == sorted(literature._WHERE)
    for name in literature.__all__:
        module = importlib.import_module(f"agents.literature.{literature._WHERE[name]}")
        assert getattr(literature, name) is getattr(module, name), name


def test_the_offline_path_imports_no_http_client() -> None:
    code = ("import sys, agents.literature.registry as r; r.resolve_name('offline'); "
            "print('httpx' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
