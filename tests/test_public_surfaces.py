"""Each folder of ``agents/`` (and ``sandbox/``) names its public surface in its ``__init__``
(``__all__``), and other folders import only that. The surface is lazy: importing a package
imports none of its modules, and each public name is the object its module defines, the same
one mypy sees (the ``TYPE_CHECKING`` re-exports)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(
    [f"agents.{p.name}" for p in (ROOT / "agents").iterdir() if (p / "__init__.py").is_file()]
    + ["sandbox"])


def folder_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    if parts[0] == "sandbox":
        return "sandbox"
    return f"agents.{parts[1]}" if len(parts) >= 3 else "agents"


def package_of(module: str) -> str | None:
    """The folder a dotted module name is in (None for what is no folder: agents.errors)."""
    parts = module.split(".")
    if parts[0] == "sandbox":
        return "sandbox"
    if parts[0] == "agents" and len(parts) > 1 and f"agents.{parts[1]}" in PACKAGES:
        return f"agents.{parts[1]}"
    return None


def cross_folder_imports() -> list[tuple[str, int, str, list[str]]]:
    """(file, line, module, names) of every import of one folder's code by another's."""
    found = []
    for path in sorted([*ROOT.glob("agents/**/*.py"), *ROOT.glob("sandbox/**/*.py")]):
        mine = folder_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                target = package_of(node.module)
                if target is not None and target != mine:
                    found.append((str(path.relative_to(ROOT)), node.lineno, node.module,
                                  [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    target = package_of(alias.name)
                    if target is not None and target != mine:
                        found.append((str(path.relative_to(ROOT)), node.lineno, alias.name, []))
    return found


def type_checking_names(package: str) -> set[str]:
    """The names the package's ``if TYPE_CHECKING:`` block re-exports (what mypy sees)."""
    init = ROOT / Path(*package.split(".")) / "__init__.py"
    names: set[str] = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for item in node.body:
                assert isinstance(item, ast.ImportFrom), ast.dump(item)
                for alias in item.names:
                    assert alias.asname == alias.name, f"{package}: {alias.name} is not re-exported"
                    names.add(alias.name)
    return names


def test_other_folders_import_only_a_packages_public_names() -> None:
    imports = cross_folder_imports()
    assert len(imports) > 200, "the scan finds the imports"
    deep = [f"{f}:{line} imports {module}" for f, line, module, _ in imports
            if module != package_of(module)]
    assert deep == [], "\n".join(deep)
    hidden = [f"{f}:{line} imports {module}.{name}, not in its __all__"
              for f, line, module, names in imports for name in names
              if name not in importlib.import_module(module).__all__]
    assert hidden == [], "\n".join(hidden)


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "agents.cli"])
def test_each_public_name_is_its_modules_object_and_the_one_mypy_sees(package: str) -> None:
    module = importlib.import_module(package)
    defined_here = {n for n in module.__all__ if n in vars(module) and n not in
                    type_checking_names(package)}
    assert set(module.__all__) == type_checking_names(package) | defined_here
    folder = ROOT / Path(*package.split("."))
    for name in module.__all__:
        value = getattr(module, name)
        if not isinstance(value, types.ModuleType):  # a module of that name would shadow it
            assert not (folder / f"{name}.py").exists(), f"{package}.{name} is also a module"
        owner = getattr(value, "__module__", None)
        if owner and owner.startswith(package + ".") and hasattr(sys.modules[owner], name):
            assert getattr(sys.modules[owner], name) is value, f"{package}.{name}"


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "agents.cli"])
def test_importing_a_package_imports_none_of_its_modules(package: str) -> None:
    code = (f"import sys, {package}; "
            f"print(sorted(m for m in sys.modules if m.startswith('{package}.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    loaded = eval(done.stdout)  # a printed list of module names
    allowed = {"agents.llm.runtime"}  # quiets litellm's environment before anything imports it
    assert set(loaded) <= allowed, loaded
