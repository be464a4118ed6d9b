"""Claims about what ran: a knob given a value in a sentence about the runs.

"We also added a run with NUM_TIMESTEPS = 50" (the 1.5B model's Abstract on 2d_diffusion,
where the idea's optional run was never made) is false when neither the template nor any run
had that value; 50 itself passes the number check, as a value of the idea's text. A sentence
about a plan, future work or a default says nothing about what ran and is left alone.
"""

from __future__ import annotations

import re

from agents.paper.evidence import fmt
from agents.paper.facts import FactSheet
from agents.paper.numbers import number_spans

_SET_AS = r"\s*(?:=|:|\bof\b|\bto\b|\bset to\b|\bat\b)\s*\$?\s*"
#: Words that make a setting something not (yet) run: a plan, a hope, future work.
_NOT_RUN = re.compile(r"\b(?:could|would|might|may|should|will|future|plan\w*|propos\w*|hypothes\w*"
                      r"|expect\w*|suggest\w*|recommend\w*|if|whether|unless|instead of|rather than"
                      r"|default|typical\w*|common\w*|usual\w*|often|prior work|previous work)\b")


def settings_said(text: str, sheet: FactSheet) -> list[str]:
    """A knob given a value in a sentence about what ran ("a run with NUM_TIMESTEPS = 50")
    where no run, and not the template, had that value."""
    found = []
    for name in sorted(sheet.setting_names):
        values = sheet.setting_values.get(name, set())
        if not values:
            continue
        pattern = r"[ _-]".join(re.escape(w) for w in name.split())
        for m in re.finditer(rf"(?<![a-z0-9_]){pattern}(?![a-z0-9_]){_SET_AS}", text):
            spans = number_spans(text[m.end():m.end() + 24])
            if not spans or spans[0][1] != 0:
                continue
            n = spans[0][0]
            clause_start = max(text.rfind(x, 0, m.start()) for x in (";", ". ", ", while", ", but"))
            if _NOT_RUN.search(text[max(clause_start, 0):m.start()]):
                continue
            if not any(abs(n.value - v) <= n.tolerance for v in values):
                found.append(f"{n.text} is given as the {name} of what ran; what ran used "
                             f"{', '.join(fmt(v) for v in sorted(values))}")
    return found
