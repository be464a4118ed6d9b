"""Well-known names that the coder's code reads without importing get their usual import."""

from __future__ import annotations

from agents.scaffold.imports import missing_imports, with_imports

CODE = '''"""An experiment."""
from __future__ import annotations

import argparse


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    data = np.zeros(3)
    with open(os.path.join(out_dir, "final_info.json"), "w") as f:
        json.dump({"all": {"means": {"x": float(data.sum())}}}, f)


if __name__ == "__main__":
    if len(sys.argv) > 3:
        raise SystemExit(1)
    main(argparse.ArgumentParser().parse_args().out_dir)
'''


def test_names_read_but_never_bound_get_their_import() -> None:
    lines = missing_imports(CODE)
    assert lines == ["import os", "import numpy as np", "import json", "import sys"]
    fixed = with_imports(CODE, lines)
    assert missing_imports(fixed) == []
    compile(fixed, "experiment.py", "exec")
    head = fixed.splitlines()
    assert head[:3] == ['"""An experiment."""', "from __future__ import annotations",
                        "import os"]  # after the docstring and the __future__ import


def test_a_name_bound_anywhere_is_left_alone() -> None:
    code = "def f(np):\n    return np\n\nos = 3\nprint(os, json)\nimport json\n"
    assert missing_imports(code) == []
    assert missing_imports("print(undefined_thing)\n") == []  # not a well-known name
    assert missing_imports("def broken(:\n") == []
