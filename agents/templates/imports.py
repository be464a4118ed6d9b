"""What a template's code imports, read from its source (parsed, never run: it is untrusted).

``third_party_imports`` lists the top-level modules the template's ``.py`` files import that are
neither the standard library nor the template's own modules; ``distribution_for`` names the
package that provides one (``sklearn`` -> ``scikit-learn``); ``local_modules_of`` follows
``experiment.py``'s imports to the template's own modules (where ``--out_dir`` may be defined).

    >>> [i.module for i in third_party_imports(Path("templates/tiny_mlp"))]
    ['numpy']
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict

#: Import names whose package is named otherwise (the usual suspects).
DISTRIBUTIONS = {
    "sklearn": "scikit-learn", "PIL": "pillow", "cv2": "opencv-python-headless",
    "skimage": "scikit-image", "yaml": "pyyaml", "bs4": "beautifulsoup4", "attr": "attrs",
    "dateutil": "python-dateutil", "mpl_toolkits": "matplotlib", "pylab": "matplotlib",
    "configargparse": "ConfigArgParse", "mace": "mace-torch", "transformer_lens": "transformer-lens",
    "Crypto": "pycryptodome", "jwt": "PyJWT", "serial": "pyserial", "dotenv": "python-dotenv",
    "OpenGL": "PyOpenGL", "zmq": "pyzmq", "git": "GitPython", "docx": "python-docx",
    "pptx": "python-pptx", "google": "protobuf", "tensorboardX": "tensorboardX",
    "Bio": "biopython", "igraph": "python-igraph", "community": "python-louvain",
    "torch_geometric": "torch-geometric", "lightning": "lightning", "umap": "umap-learn",
    "gym": "gym", "sentencepiece": "sentencepiece", "tiktoken": "tiktoken",
}
MAX_FILES = 500
MAX_FILE_BYTES = 2_000_000


class ImportUse(BaseModel):
    """A top-level module the template imports, where first, and whether a fallback guards it."""

    model_config = ConfigDict(frozen=True)

    module: str
    file: str
    line: int
    optional: bool = False  # inside ``try: ... except ImportError``

    @property
    def distribution(self) -> str:
        return distribution_for(self.module)


def distribution_for(module: str) -> str:
    """The package (PyPI name) that provides the top-level module ``module``."""
    return DISTRIBUTIONS.get(module, module)


def python_files(folder: Path) -> list[Path]:
    """The template's .py files (no links, nothing hidden, within size caps)."""
    files = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            continue
        files.append(path)
        if len(files) >= MAX_FILES:
            break
    return files


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=str(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def own_modules(folder: Path) -> set[str]:
    """Top-level names the template itself provides: its modules and packages."""
    names = {p.stem for p in folder.glob("*.py")}
    names |= {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return names


def _guarded_lines(tree: ast.Module) -> set[int]:
    """Lines of imports inside ``try`` blocks that catch ImportError (optional imports)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        caught = [ast.unparse(h.type) if h.type is not None else "" for h in node.handlers]
        if any(c == "" or "ImportError" in c or "ModuleNotFoundError" in c or c == "Exception"
               for c in caught):
            for inner in node.body:
                lines |= {n.lineno for n in ast.walk(inner) if isinstance(n, ast.Import | ast.ImportFrom)}
    return lines


def imported_modules(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(top-level module, line, optional) of each absolute import in ``tree``."""
    guarded = _guarded_lines(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], node.lineno, node.lineno in guarded) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno, node.lineno in guarded))
    return found


def third_party_imports(folder: Path) -> list[ImportUse]:
    """Every module the template imports from outside itself and the standard library, once,
    at its first use (a module imported both guarded and unguarded counts as required)."""
    own = own_modules(folder)
    seen: dict[str, ImportUse] = {}
    for path in python_files(folder):
        tree = parse(path)
        if tree is None:
            continue
        for module, line, optional in sorted(imported_modules(tree), key=lambda x: x[1]):
            if module in sys.stdlib_module_names or module in own or module == "__future__":
                continue
            use = ImportUse(module=module, file=str(path.relative_to(folder)), line=line,
                            optional=optional)
            if module not in seen or (seen[module].optional and not optional):
                seen[module] = use
    return sorted(seen.values(), key=lambda u: u.module.lower())


def local_modules_of(folder: Path, entry: str = "experiment.py") -> list[Path]:
    """``entry`` and the template's own modules it imports, transitively."""
    start = folder / entry
    order: list[Path] = []
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in order or not path.is_file() or path.is_symlink():
            continue
        order.append(path)
        tree = parse(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = path.parent if node.level else folder
                for _ in range(max(node.level - 1, 0)):
                    base = base.parent
                if not base.is_relative_to(folder):  # `from .. import x` above the template
                    continue
                prefix = str(base.relative_to(folder)).replace("/", ".") if base != folder else ""
                module = ".".join(p for p in (prefix, node.module or "") if p and p != ".")
                names = [module] + [f"{module}.{a.name}" if module else a.name for a in node.names]
            for name in names:
                queue += _module_files(folder, name)
    return order


def _module_files(folder: Path, dotted: str) -> list[Path]:
    parts = [p for p in dotted.split(".") if p]
    if not parts:
        return []
    target = folder.joinpath(*parts)
    found = [p for p in (target.with_suffix(".py"), target / "__init__.py") if p.is_file()]
    inside = folder.resolve()
    return [p for p in found if p.resolve().is_relative_to(inside)]
