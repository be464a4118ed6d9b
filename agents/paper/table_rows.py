"""Every table is checked, not only the generated one: row by row, cell by cell.

A row's run is named by its first cell, or, in a table with one run per column, by the
column's header; each cell's group and metric by its column's header or the first cell. Each
value must be that run's value there, each star a significant test; a row whose cells hold the
runs' values but that names no run (an invented method) is a finding, and so is a row of
settings that gives a value no run used.
"""

from __future__ import annotations

import re

from agents.paper.evidence import Facts, attribution, fmt, match, tested, who
from agents.paper.mentions import metric_forms, run_mentions
from agents.paper.numbers import number_spans
from agents.paper.reading import Quote, Reading
from agents.paper.wording import plain_text


def table_row(reading: Reading, facts: Facts) -> list[tuple[str, str]]:
    """A table row: its run is named by its first cell (or, in a table with one run per
    column, by the column's header), each cell's group and metric by its column's header or
    the first cell; each value must be that run's, each star a significant test."""
    sheet = facts.sheet
    cells = re.split(r"(?<!\\)&", reading.unit.text)
    label = plain_text(cells[0])
    row_runs = run_mentions(label, sheet)
    row_groups = frozenset(g for g in sheet.groups if _in(label, g))
    row_metrics = frozenset(m for m in sheet.metrics if any(_in(label, f) for f in metric_forms(m)))
    found: list[tuple[str, str]] = []
    named = [n for n in sheet.setting_names if _in(label.replace("_", " "), n)]
    if not row_runs and named:  # a row of settings ("learning rate & 0.05"): what ran
        allowed = {v for n in named for v in sheet.setting_values.get(n, set())}
        for n, _, _ in number_spans(" ".join(plain_text(c) for c in cells[1:])):
            if allowed and not any(abs(n.value - v) <= n.tolerance for v in allowed):
                found.append(("setting", f"{label[:40]} is given as {n.text}; what ran used "
                                         f"{', '.join(fmt(v) for v in sorted(allowed))}"))
        return found
    unnamed = []
    for j, cell in enumerate(cells[1:], start=1):
        head = reading.header[j] if j < len(reading.header) else ""
        text = plain_text(cell)
        col_runs = run_mentions(head, sheet) if head else []
        runs = row_runs or col_runs
        groups = frozenset(g for g in sheet.groups if _in(head, g)) or row_groups
        metrics = (frozenset(m for m in sheet.metrics if any(_in(head, f) for f in metric_forms(m)))
                   or row_metrics or frozenset({sheet.primary_metric}))
        for n, s, _ in number_spans(text):
            if any(abs(n.value - v) <= 1e-9 for v in sheet.config) and not groups:
                continue
            spread = "±" in text[:s] or "[" in text[:s]
            if not runs:
                if any(match(n, v) for _, _, v in facts.any_run_values(metrics)):
                    unnamed.append(n)
                continue
            run = int(runs[0].key)
            q = Quote(number=n, start=0, run=run, groups=groups, metrics=metrics)
            problem = attribution(q, None, facts, sorted(metrics), who(run, sheet))
            if problem and not spread:
                found.append(("attribution", problem))
            if "*" in text and run != 0 and not spread:
                for g in ([*sorted(groups)] if groups else [None]):
                    done = tested(facts, run, g)
                    if not done or not all(c.significant for c in done):
                        found.append(("significance", f"a star marks {who(run, sheet)}"
                                      f"{' on ' + str(g) if g else ''} as significant; it is not"))
    if unnamed:
        found.append(("table_row", f"the row \"{label[:40]}\" names no run of this paper, but "
                                   f"its cells hold the runs' values"))
    return found


def _in(text: str, name: str) -> bool:
    forms = {name.lower(), name.lower().replace("_", " ")}
    return any(re.search(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])", text) for f in forms)
