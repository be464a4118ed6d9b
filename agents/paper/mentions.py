"""Where a unit names runs, groups and metrics: the mentions the claim reader ties numbers to.

A run is named as "run 2" (or "runs 1 and 3"), by an alias of the fact sheet (the baseline,
its description "MOMENTUM = 0.9"), or by its settings ("the variant with a momentum of 0.5",
"the 0.9-momentum run"); a group or a metric by one of its forms (``name_forms``,
``metric_forms``). ``agents.paper.reading`` uses them; ``agents.paper.table_rows`` too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.paper.facts import FactSheet
from agents.paper.numbers import number_spans
from agents.paper.wording import plain_text


@dataclass
class Mention:
    start: int
    end: int
    key: int | str


def name_forms(name: str) -> set[str]:
    low = name.lower()
    spaced = low.replace("_", " ")
    forms = {low, spaced}
    symbolic = (spaced.replace(" plus ", " + ").replace(" minus ", " - ")
                .replace(" div ", " / ").replace(" times ", " * "))
    if symbolic != spaced:
        forms |= {symbolic, symbolic.replace(" ", "")}
    if low.startswith("sf_"):
        forms |= {"schedule-free " + low[3:], "schedule free " + low[3:], "sf-" + low[3:]}
    if spaced.endswith("s") and len(spaced) > 4:
        forms.add(spaced[:-1])
    return {f for f in forms if f}


def _find(text: str, form: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in
            re.finditer(rf"(?<![a-z0-9_]){re.escape(form)}(?![a-z0-9_])", text)]


def run_mentions(text: str, sheet: FactSheet) -> list[Mention]:
    """Where ``text`` names a run: "run 2", the baseline, its description, its settings."""
    text = text.replace("_", " ")  # WEIGHT_DECAY is weight decay (positions kept)
    found: list[Mention] = []
    for m in re.finditer(r"\bruns?\s*_?\s*(\d+)((?:\s*(?:,|and|&)\s*\d+)*)", text):
        for k in re.findall(r"\d+", m.group(0)):
            if int(k) in sheet.run_aliases:
                found.append(Mention(m.start(), m.end(), int(k)))
    for index, aliases in sheet.run_aliases.items():
        for alias in aliases:
            if alias and not alias.startswith("run"):
                found += [Mention(s, e, index)
                          for s, e in _find(text, plain_text(alias).replace("_", " "))]
    for index, values in sheet.named_values.items():  # "the cosine schedule"
        for word, words in values:
            for start, end in _find(text, word.replace("_", " ")):
                near = re.split(r"[.;]\s", text[end:end + 40])[0]
                if any(re.search(rf"\b{re.escape(w)}", near) for w in words):
                    found.append(Mention(start, end, index))
    names = {name for settings in sheet.settings.values() for name in settings}
    for name in names:
        holders = [(index, settings[name]) for index, settings in sheet.settings.items()
                   if name in settings]
        for m in re.finditer(rf"(?<![a-z0-9_]){re.escape(name)}(?:e?s)?(?![a-z0-9_])", text):
            window = re.split(r"[.;]\s", text[m.end():m.end() + 45])[0]  # "decays of 0.01 and 0.1"
            first = True
            for n, ns, ne in number_spans(window):
                runs = [index for index, value in sorted(holders, key=lambda h: abs(n.value - h[1]))
                        if abs(n.value - value) <= n.tolerance]  # the closest first: 0 is 0.0
                if runs and (not first or ns <= 28):
                    start = m.start() if first else m.end() + ns
                    found += [Mention(start, m.end() + ne, index) for index in runs[:1]]
                    first = False
                elif first:
                    break
        for index, value in holders:
            for n, ns, ne in number_spans(text):  # "the 0.9-momentum run"
                if abs(n.value - value) <= n.tolerance and re.match(
                        rf"\s*-?\s*{re.escape(name)}\b", text[ne:]):
                    found.append(Mention(ns, ne + len(name) + 2, index))
    found.sort(key=lambda m: (m.start, -m.end))
    return found


def named_mentions(text: str, names: list[str], forms: dict[str, set[str]]) -> list[Mention]:
    out = []
    for name in names:
        for form in forms[name]:
            out += [Mention(s, e, name) for s, e in _find(text, form)]
    return sorted(out, key=lambda m: m.start)


def metric_forms(metric: str) -> set[str]:
    low = metric.lower()
    words = [w for w in low.split("_") if len(w) >= 3 and w not in ("mean", "final", "val", "avg")]
    forms = {low, low.replace("_", " ")}
    forms |= {w for w in words if len(w) >= 4}
    forms |= {w + "es" for w in words if len(w) >= 4} | {w + "s" for w in words if len(w) >= 4}
    forms -= {"times"}  # "3 times as accurate" is no time
    if "acc" in words or "accuracy" in words:
        forms |= {"accuracy", "accuracies"}
    if "kl" in words:
        forms |= {"kl divergence", "kl"}
    return forms
