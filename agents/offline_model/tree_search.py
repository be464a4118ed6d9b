"""The offline model's tree search: drafting variants, debugging a failed one, improving the best.

Drafts take the idea's planned values in turn. The second draft writes its value through a
scale constant it forgets to define, the commonest slip of code models: so every search has
a failure whose error (a NameError) its debugging reads and fixes, on any template.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline_model import reading
from agents.offline_model.knobs import Knob, fmt, variants
from agents.offline_model.reading import Asked
from agents.offline_model.research import (
    baseline_value,
    experiment_code,
    idea_experiment,
    knob_for,
    planned_values,
    retreat,
)

SCALE_SUFFIX = "_SCALE"


def _edit(knob: Knob, new_line: str, why: str, change: str, extra: str = "") -> str:
    replace = f"{extra}{new_line}" if extra else new_line
    return (f"Why: {why}\nChange: {change}\n\nexperiment.py\n<<<<<<< SEARCH\n{knob.line}\n=======\n"
            f"{replace}\n>>>>>>> REPLACE\n")


def _bolder(knob: Knob) -> list[Any]:
    """Values further out than the usual variants (ten times, a tenth)."""
    v = knob.value
    if isinstance(v, bool) or not isinstance(v, int | float) or not v:
        return []
    if isinstance(v, int):
        return [v * 8, max(1, v // 8)]
    return [float(f"{v * 10:.3g}"), float(f"{v / 10:.3g}")]


def tree_draft(asked: Asked) -> str:
    experiment = idea_experiment(asked["idea"])
    knob = knob_for(experiment, asked["template"])
    if knob is None:
        return "I found no setting of the code to change."
    k = reading.number_after(asked["request"], r"(\d+) of", 1)
    total = reading.number_after(asked["request"], r"\d+ of (\d+)", 3)
    values = list(dict.fromkeys([*planned_values(experiment, knob, total), *variants(knob, total),
                                 *_bolder(knob)]))
    value = values[(k - 1) % len(values)] if values else knob.value
    why = f"draft {k} tries {knob.name} = {fmt(value)}, one of the values the idea names"
    base = baseline_value(experiment, knob)
    # The slip needs a name to forget, so only a module constant makes it.
    if k == 2 and knob.kind == "constant" and isinstance(value, float) and isinstance(base, float) \
            and base:
        scale = f"{knob.name}{SCALE_SUFFIX}"
        line = knob.with_source(f"{fmt(base)} * {scale}")
        return _edit(knob, line, why, f"{knob.name} = {fmt(value)} via a scale factor")
    return _edit(knob, knob.with_value(value), why, f"{knob.name} = {fmt(value)}")


def tree_debug(asked: Asked) -> str:
    experiment = idea_experiment(asked["idea"])
    code = experiment_code(asked["template"])
    failure = "\n".join(reading.fenced_blocks(asked["request"]))
    missing = re.search(r"NameError: name '(\w+)' is not defined", failure)
    if missing and missing.group(1).endswith(SCALE_SUFFIX):
        name = missing.group(1)[: -len(SCALE_SUFFIX)]
        line = next((ln for ln in code.splitlines() if ln.startswith(f"{name} =")), None)
        target = re.search(r"= ([-+\d.eE]+) \* ", line or "")
        if line and target:  # the value draft 2 meant: the second the idea names
            meant = Knob(name, float(target.group(1)), "", "constant", line)
            wanted = [*planned_values(experiment, meant, 3), *variants(meant, 3)]
            value = wanted[1] if len(wanted) > 1 else wanted[0]
            factor = float(value) / float(target.group(1))
            fix = f"{missing.group(1)} = {fmt(factor)}\n{line}"
            return (f"Why: {missing.group(1)} was used before it was defined\nChange: define "
                    f"{missing.group(1)}\n\nexperiment.py\n<<<<<<< SEARCH\n{line}\n=======\n{fix}\n"
                    f">>>>>>> REPLACE\n")
    found = knob_for(experiment, asked["template"])
    if found is None:
        return "I found no setting of the code to change."
    knob = found
    value = retreat(baseline_value(experiment, knob), knob.value, 1)
    return _edit(knob, knob.with_value(value), "the value was too far from the baseline to train",
                 f"{knob.name} = {fmt(value)}, halfway back to the baseline")


def tree_improve(asked: Asked) -> str:
    experiment = idea_experiment(asked["idea"])
    knob = knob_for(experiment, asked["template"])
    if knob is None or isinstance(knob.value, bool | str):
        return "I found no numeric setting of the code to push further."
    base = baseline_value(experiment, knob)
    if not isinstance(base, int | float) or isinstance(base, bool) or base == knob.value:
        return "The best variant is the baseline itself: there is no direction to follow."
    changes = " ".join(row.get("change", "") for table in reading.markdown_tables(asked["tree"])
                       for row in table)
    tried = {raw.rstrip(".,;") for raw in re.findall(rf"(?<![A-Za-z0-9_]){re.escape(knob.name)} = (\S+)",
                                                    changes)}
    step = knob.value - base
    for factor in (1, 0.5, 1.5, 0.25, 2, 3):  # the same step first; others once it was tried
        value = type(knob.value)(knob.value + step * factor)
        if isinstance(value, float):
            value = float(f"{value:.3g}")
        crosses = isinstance(value, float) and value * knob.value <= 0
        if value != knob.value and not crosses and fmt(value) not in tried:
            break
    else:
        return f"Every step from {knob.name} = {fmt(knob.value)} I would take has been tried."
    return _edit(knob, knob.with_value(value), f"the best variant moved {knob.name} away from the "
                 f"baseline: going further the same way", f"{knob.name} = {fmt(value)}")
