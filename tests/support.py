"""Helpers shared by tests."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))


def tex_installed() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def only_run(runs_dir: Path) -> Path:
    runs = [p for p in runs_dir.iterdir() if (p / "run.json").exists()]
    assert len(runs) == 1, f"expected one run folder in {runs_dir}, found {runs}"
    return runs[0]


def load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))
