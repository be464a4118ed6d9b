"""Missing imports of well-known modules, added to code the coder wrote.

Small models often use ``np``, ``os`` or ``json`` without importing them, and shown the
``NameError``, return the file unchanged. The code is parsed (never run) on the host; a name
that is read somewhere but bound nowhere in the file (no assignment, import, definition or
argument of that name in any scope), is not a builtin, and is one of the names below gets its
usual import at the top of the file. Every addition is recorded by the caller.
"""

from __future__ import annotations

import ast
import builtins

#: A name a model uses, and the import that binds it (the standard library and the sandbox's
#: packages only).
KNOWN: dict[str, str] = {
    "argparse": "import argparse", "json": "import json", "math": "import math",
    "os": "import os", "random": "import random", "re": "import re", "sys": "import sys",
    "time": "import time", "Path": "from pathlib import Path",
    "np": "import numpy as np", "numpy": "import numpy",
    "plt": "import matplotlib.pyplot as plt", "torch": "import torch", "nn": "from torch import nn",
    "sklearn": "import sklearn", "datasets": "from sklearn import datasets",
    "KMeans": "from sklearn.cluster import KMeans",
    "train_test_split": "from sklearn.model_selection import train_test_split",
    "LogisticRegression": "from sklearn.linear_model import LogisticRegression",
    "load_digits": "from sklearn.datasets import load_digits",
}


def _bound(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return names


def missing_imports(code: str) -> list[str]:
    """The import lines that ``code`` lacks for names it reads (empty if it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound = _bound(tree) | set(dir(builtins))
    read = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return list(dict.fromkeys(KNOWN[n] for n in read if n not in bound and n in KNOWN))


def with_imports(code: str, lines: list[str]) -> str:
    """``code`` with ``lines`` inserted after its docstring and ``__future__`` imports."""
    if not lines:
        return code
    tree = ast.parse(code)
    after = 0
    for index, node in enumerate(tree.body):
        docstring = (index == 0 and isinstance(node, ast.Expr)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
        if docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            after = node.end_lineno or after
        else:
            break
    source = code.splitlines(keepends=True)
    return "".join([*source[:after], *(line + "\n" for line in lines), *source[after:]])
