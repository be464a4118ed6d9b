"""The offline model's figure check: what can be told of a figure without seeing it.

It reads the prompt as a model that cannot see would: the figure's name and size, its line in
the list of files (an identical file), labels.json, and plot.py when it is shown (whether the script
reads labels.json or writes the labels itself, draws a legend when there are several runs, and
sets axis labels).
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline_model import reading
from agents.offline_model.reading import Asked

MIN_PIXELS = 64


def _labels(block: str) -> dict[str, str]:
    found = next((v for v in reading.json_values(block) if isinstance(v, dict)), {})
    return {str(k): str(v) for k, v in found.items()}


def check_figure(asked: Asked) -> dict[str, Any]:
    name = asked["file"].strip()
    problems = []
    line = re.search(rf"^- `{re.escape(name)}`: (\d+) x (\d+) pixels, \d+ bytes(.*)$", asked["files"],
                     re.MULTILINE) if name else None
    size = line or re.search(r"(\d+) x (\d+)", asked["pixels"])
    if size is not None and min(int(size.group(1)), int(size.group(2))) < MIN_PIXELS:
        problems.append(f"The image is only {size.group(1)} x {size.group(2)} pixels: too small "
                        f"to read; save it with a larger figure size or dpi.")
    same = re.findall(r"`([^`]+)`", line.group(3)) if line is not None else []
    if same:
        problems.append(f"It is the same image as {', '.join(same)}: draw something else or "
                        f"drop one of them.")
    code = reading.files(asked["code"]).get("plot.py", "")
    labels = _labels(asked["labels"])
    if code:
        if "labels.json" not in code and not all(label in code for label in labels.values()):
            problems.append("plot.py does not read labels.json, so the legend cannot show the "
                            "runs' labels: load it and pass labels.get(run, run) as each label.")
        if len(labels) > 1 and "legend" not in code:
            problems.append("plot.py draws no legend, so the runs cannot be told apart: call "
                            "legend() on the axes.")
        if not re.search(r"\b(?:set_)?[xy]label\s*\(", code):
            problems.append("plot.py sets no axis labels: name both axes with xlabel and ylabel.")
    return {"ok": not problems, "problems": problems}
