"""What a template's code needs at run time that a sandbox job does not give, read from its
source (parsed, never run): ``--out_dir`` where it is defined, data it downloads (jobs have no
network), data it reads from outside its folder or from files it does not ship, and a GPU it
names outright.

Each finding is one line that names the piece and where the code asks for it. These are read
from the code, so they are reasons to look, said as such; ``aisci template check --run`` runs
the baseline and shows what really happens.

    >>> out_dir_defined(Path("templates/tiny_mlp"))
    'experiment.py'
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from agents.templates.imports import local_modules_of, parse

#: Calls that fetch data or weights over the network.
DOWNLOAD_CALLS = frozenset({
    "urlretrieve", "urlopen", "hf_hub_download", "snapshot_download", "load_dataset",
    "fetch_openml", "fetch_20newsgroups", "fetch_20newsgroups_vectorized", "fetch_lfw_people",
    "fetch_lfw_pairs", "fetch_olivetti_faces", "fetch_covtype", "fetch_kddcup99", "fetch_rcv1",
    "fetch_california_housing", "fetch_species_distributions", "download_url",
    "download_and_extract_archive", "download",
})
HTTP_MODULES = frozenset({"requests", "httpx", "urllib3", "wget"})
DATA_WORDS = ("data", "dataset")
PATH_LITERAL = re.compile(r"^(?:\./)*(?P<first>(?:\.\./)+|[\w.-]+/)")


def out_dir_defined(folder: Path) -> str | None:
    """The file (relative to ``folder``) that defines ``--out_dir``: experiment.py, or one of the
    template's own modules it imports (an options module); None when none does."""
    for path in local_modules_of(folder):
        tree = parse(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    node.value in ("--out_dir", "--out-dir"):
                return str(path.relative_to(folder))
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _call_root(call: ast.Call) -> str:
    node: ast.expr = call.func
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _leading_text(node: ast.expr) -> str | None:
    """The constant text a string expression starts with (a literal, an f-string's head, the
    left end of a ``+`` chain)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _leading_text(node.values[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _leading_text(node.left)
    return None


def downloads(folder: Path) -> list[str]:
    """Where the code fetches data or weights over the network (jobs have none)."""
    found = []
    for path in local_modules_of(folder):
        tree = parse(path)
        if tree is None:
            continue
        rel = path.relative_to(folder)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            keyword = any(k.arg == "download" and isinstance(k.value, ast.Constant)
                          and k.value.value is True for k in node.keywords)
            if keyword or name in DOWNLOAD_CALLS or name.startswith("from_pretrained") \
                    or (_call_root(node) in HTTP_MODULES and name in ("get", "post", "download")):
                what = "download=True" if keyword else f"{name}()"
                found.append(f"{what} in {rel} line {node.lineno}")
    return found


def missing_data(folder: Path) -> list[str]:
    """Paths the code names that lie outside the folder, or data folders it does not ship."""
    entries = {p.name for p in folder.iterdir()}
    found: dict[str, str] = {}
    for path in local_modules_of(folder):
        tree = parse(path)
        if tree is None:
            continue
        rel = path.relative_to(folder)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant | ast.JoinedStr | ast.BinOp):
                continue
            text = _leading_text(node)
            match = PATH_LITERAL.match(text or "")
            if not text or match is None or "://" in text or " " in text:
                continue
            first = match.group("first")
            where = f"{rel} line {node.lineno}"
            if first.startswith(".."):
                found.setdefault(text, f"{text!r} ({where}) is outside the template folder")
                continue
            name = first.rstrip("/")
            if name not in entries and any(w in name.lower() for w in DATA_WORDS):
                found.setdefault(name, f"{text!r} ({where}): the template has no {name}/")
    return list(found.values())


def cuda_only(folder: Path) -> list[str]:
    """Where the code asks for a CUDA device outright (not ``"cuda" if available else "cpu"``)."""
    found = []
    for path in local_modules_of(folder):
        tree = parse(path)
        if tree is None:
            continue
        rel = path.relative_to(folder)
        for node in ast.walk(tree):
            value: ast.expr | None = None
            if isinstance(node, ast.Call):
                for k in node.keywords:
                    if k.arg in ("device", "default") and _is_cuda(k.value):
                        value = k.value
                if _call_name(node) in ("device", "to") and node.args and _is_cuda(node.args[0]):
                    value = node.args[0]
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None \
                    and _is_cuda(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any("device" in ast.unparse(t).lower() for t in targets):
                    value = node.value
            if value is not None:
                found.append(f"{rel} line {value.lineno}")
    return found


def _is_cuda(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and \
        re.fullmatch(r"cuda(:\d+)?", node.value) is not None
