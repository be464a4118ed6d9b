"""The results contract's part of a from-scratch experiment, written by aisci, not the coder.

Asked for a whole program, small models get the science right more often than the plumbing:
they forget ``--out_dir``, write final_info.json in another shape or never create the folder.
So the coder writes only the science: settings as UPPER_CASE constants, ``SEEDS``, ``GROUPS``
and ``run_one(group, seed)``, which returns a dict of metric name to number. aisci appends
``HARNESS``: the command line (``--out_dir``, ``--seed``), the loop over groups and seeds (the
global random generators seeded before each call), the means and standard errors, and
final_info.json. It runs in the sandbox only, as part of the
experiment; the host only parses the coder's code (``ast``), never runs it.
"""

from __future__ import annotations

import ast

ENTRY = "run_one"

HARNESS = '''

# ---- The results contract, added by aisci: the command line and final_info.json. ----
def _aisci_seed(seed):
    """Seed the global generators too, so that a call the seed was not passed to (make_moons()
    without random_state, np.random.rand) still gives the same numbers for the same seed."""
    import random as _random
    import sys as _sys

    _random.seed(seed)
    if "numpy" in _sys.modules:
        _sys.modules["numpy"].random.seed(seed % 2**32)
    if "torch" in _sys.modules:
        _sys.modules["torch"].manual_seed(seed)


def _aisci_main():
    import argparse as _argparse
    import inspect as _inspect
    import json as _json
    import math as _math
    import os as _os

    parser = _argparse.ArgumentParser()
    parser.add_argument("--out_dir", default="run_0")
    parser.add_argument("--seed", type=int, default=None, help="run this seed only")
    args = parser.parse_args()
    seeds = list(globals().get("SEEDS", [0, 1, 2])) if args.seed is None else [args.seed]
    groups = list(globals().get("GROUPS", ["main"])) or ["main"]
    takes_group = len(_inspect.signature(run_one).parameters) >= 2
    final_info = {}
    for group in groups:
        rows = []
        for seed in seeds:
            _aisci_seed(seed)
            got = run_one(group, seed) if takes_group else run_one(seed)
            if not isinstance(got, dict) or not got:
                raise SystemExit(f"run_one({group!r}, {seed}) must return a dict of metric name "
                                 f"to number, like {{'accuracy': 0.9}}; it returned {got!r:.200}")
            row = {}
            for name, value in got.items():
                try:
                    row[str(name)] = float(value)
                except (TypeError, ValueError):
                    raise SystemExit(f"run_one({group!r}, {seed}) returned {name!r}: "
                                     f"{value!r:.100}, which is not a number") from None
                if not _math.isfinite(row[str(name)]):
                    raise SystemExit(f"run_one({group!r}, {seed}) returned {name!r}: "
                                     f"{value!r}, which is not finite")
            rows.append(row)
        names = [n for n in rows[0] if all(n in r for r in rows)]
        means = {n: sum(r[n] for r in rows) / len(rows) for n in names}
        entry = {"means": means}
        if len(rows) > 1:
            entry["stderrs"] = {n: _math.sqrt(sum((r[n] - means[n]) ** 2 for r in rows)
                                              / (len(rows) - 1) / len(rows)) for n in names}
        final_info[str(group)] = entry
    _os.makedirs(args.out_dir, exist_ok=True)
    with open(_os.path.join(args.out_dir, "final_info.json"), "w") as f:
        _json.dump(final_info, f, indent=2)
    print(_json.dumps({g: e["means"] for g, e in final_info.items()}))


if __name__ == "__main__":
    _aisci_main()
'''


def defines_entry(tree: ast.Module) -> bool:
    """Does the module define ``run_one`` at its top level?"""
    return any(isinstance(node, ast.FunctionDef) and node.name == ENTRY for node in tree.body)


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def without_main_guard(code: str) -> str:
    """``code`` without its top-level ``if __name__ == "__main__":`` blocks: the harness is the
    one entry point. The lines before them keep their numbers, so tracebacks match."""
    tree = ast.parse(code)
    lines = code.splitlines()
    for node in reversed(tree.body):
        if _is_main_guard(node) and node.end_lineno is not None:
            del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines).rstrip() + "\n"


def with_harness(body: str) -> str:
    """The whole experiment.py: the coder's science, then the results contract."""
    return body.rstrip() + "\n" + HARNESS
