"""The offline model's figure check: what can be told of a figure without seeing it.

It reads the prompt as a model that cannot see would: the figure's line in the list of files
(pixel size, an identical file), labels.json, and plot.py when it is shown (whether the script
reads labels.json or writes the labels itself, draws a legend when there are several runs, and
sets axis labels).
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline_model import reading

MIN_PIXELS = 64


def _labels(prompt: str) -> dict[str, str]:
    block = reading.between(prompt, r"labels\.json[^\n]*:\n", r"\n(?:# Task:|Look at|$)")
    found = next((v for v in reading.json_values(block) if isinstance(v, dict)), {})
    return {str(k): str(v) for k, v in found.items()}


def check_figure(prompt: str) -> dict[str, Any]:
    name = reading.text_after(prompt, r"figure `([^`]+)`") or reading.text_after(
        prompt, r"attached as an image: `([^`]+)`")
    problems = []
    line = re.search(rf"^- `{re.escape(name)}`: (\d+) x (\d+) pixels, \d+ bytes(.*)$", prompt,
                     re.MULTILINE) if name else None
    size = line or (re.search(rf"`{re.escape(name)}` \((\d+) x (\d+) pixels\)", prompt)
                    if name else None)
    if size is not None and min(int(size.group(1)), int(size.group(2))) < MIN_PIXELS:
        problems.append(f"The image is only {size.group(1)} x {size.group(2)} pixels: too small "
                        f"to read; save it with a larger figure size or dpi.")
    same = re.findall(r"`([^`]+)`", line.group(3)) if line is not None else []
    if same:
        problems.append(f"It is the same image as {', '.join(same)}: draw something else or "
                        f"drop one of them.")
    code = reading.files(prompt).get("plot.py", "")
    labels = _labels(prompt)
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
