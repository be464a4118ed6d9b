"""The claim check: what each sentence, caption and table row says is checked against the runs.

``agents.paper.reading`` reads a unit as clauses and quotes; this module asks of each:

- attribution: a value must be one of the run's (and group's) the clause ties it to, not a
  value of another run or group that happens to be in the sentence;
- direction: "higher", "reduces", "improves", "outperforms" must agree with the sign of the
  difference between the runs compared (better and worse follow lower-is-better metrics);
  "A outperforms B and C" compares A with each; a variant evaluated only on validation (an
  exploratory one of a run with a held-out test) is compared there, over the groups;
- significance: "significant", "statistically", a p-value below a threshold or a star only
  where the Holm-corrected test of that run, group and metric is significant; without a
  group the claim is about every group (the mean over groups was never tested); a stated
  p-value must be the one computed (adjusted or not, as the sentence says);
- counts: a number with a noun ("5 seeds", "n = 3", "three datasets") must be that count;
- uncertainty: a value labelled standard error, standard deviation or confidence interval
  must be that quantity;
- derived quantities: a difference, percentage points, a relative change or a ratio must be
  computed from the same group of the runs compared, and be what its words call it;
- settings: a knob given a value in a sentence about what ran ("a run with NUM_TIMESTEPS =
  50") must have had that value in the template or in a run (plans and future work aside);
- names: a dataset, model or method named in the Abstract, the Setup or the Results must be
  one the run used (``agents.paper.vocabulary``);
- table rows: each row with results must name a run, each cell must be that run's value in
  the column's group.

What the number check already reports (a number in no result) is not reported again here.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from agents.domain import Comparison
from agents.paper.evidence import Facts, attribution, fmt, lower_is_better, match, tested, who
from agents.paper.facts import FactSheet, percent_scale
from agents.paper.integrity import NumberProblem, unit_key
from agents.paper.numbers import Number, Unit, strip_comments, units
from agents.paper.reading import Clause, Quote, Reading, read
from agents.paper.settings_said import settings_said
from agents.paper.table_rows import table_row
from agents.paper.vocabulary import unknown_names

NAME_SECTIONS = ("Abstract", "Experimental Setup", "Results")
FindingKind = str  # attribution|direction|significance|p_value|count|uncertainty|derived|name
#                  |table_row|setting


class ClaimFinding(BaseModel):
    kind: FindingKind
    unit: str
    message: str
    #: the unit is a sentence of the author's draft, word for word (``--from-draft``)
    from_draft: bool = False

    def text(self) -> str:
        who = "the author's draft: " if self.from_draft else ""
        return f"{who}{self.kind}: {self.message}"


def _metrics(q: Quote | None, clause: Clause | None, sheet: FactSheet) -> list[str]:
    if q is not None and q.metrics:
        return sorted(q.metrics)
    if clause is not None and clause.metrics:
        return sorted({str(m.key) for m in clause.metrics})
    return [sheet.primary_metric]


def _groups(q: Quote) -> list[str | None]:
    return [*sorted(q.groups)] if q.groups else [None]


# ---- the checks, one per kind ----------------------------------------------------------------


def _uncertainty(q: Quote, facts: Facts, metrics: list[str]) -> str | None:
    if q.run is None or not q.label:
        return None
    groups = _groups(q) if q.groups else list(facts.sheet.groups)
    quantities = {label: facts.values(q.run, groups, metrics, {label}) for label in ("se", "sd", "ci")}
    if any(match(q.number, v) for v in quantities[q.label]):
        return None
    names = {"se": "standard error", "sd": "standard deviation", "ci": "95% confidence interval"}
    actual = next((label for label, vs in quantities.items() if any(match(q.number, v) for v in vs)),
                  None)
    if actual is None:
        return None
    return f"{q.number.text} is the {names[actual]}, labelled as the {names[q.label]}"


def _count(q: Quote, sheet: FactSheet) -> str | None:
    if not q.number.value.is_integer() or q.number.percent:
        return None
    noun = q.label.rstrip("s")
    noun = {"optimiser": "optimizer", "classe": "class"}.get(noun, noun)
    expected = sheet.noun_counts.get(noun)
    if expected is None or int(q.number.value) in expected:
        return None
    return (f"{int(q.number.value)} {q.label}s: the run has "
            f"{' or '.join(str(v) for v in sorted(expected))}")


def _pairs(facts: Facts, subject: int, against: int, groups: list[str | None],
           metric: str) -> list[tuple[float, float]]:
    out = []
    for g in groups:
        a, b = facts.mean(subject, g, metric), facts.mean(against, g, metric)
        if a is not None and b is not None:
            out.append((a, b))
    return out


def _derivations(a: float, b: float) -> dict[str, list[float]]:
    diff = a - b
    out: dict[str, list[float]] = {"difference": [diff], "pp": [diff * 100], "relative": [],
                                   "ratio": []}
    if b:
        out["relative"].append(diff / abs(b) * 100)
        out["ratio"].append(a / b)
    if a:
        out["ratio"].append(b / a)
    return out


def _matches_derived(n: Number, values: list[float], label: str) -> bool:
    if label in ("pp", "relative"):  # printed in percent (12.25 or 12.25%)
        return any(abs(abs(n.value) - abs(v)) <= n.tolerance for v in values)
    return any(match(n, v) for v in values)


def _derived(q: Quote, clause: Clause, facts: Facts, metrics: list[str]) -> str | None:
    if q.label == "pp" and not any(percent_scale(m, [s.mean for (_, _, sm), s in
                                                     facts.sheet.stats.items() if sm == m])
                                   for m in metrics):
        return (f"{q.number.text} percentage points of {', '.join(metrics)}, which is not a "
                f"share: its differences have no percentage points")
    if clause.subject and clause.against is not None and clause.subject[0] != clause.against:
        subject: int | None = clause.subject[0]  # "run 2 outperforms the baseline by 13%"
    else:
        subject = q.run if q.run is not None else (clause.subject[0] if clause.subject else None)
    if subject is None:
        return None
    against = clause.against if clause.against is not None and clause.against != subject else (
        0 if subject != 0 else None)
    if against is None:
        return None
    groups: list[str | None] = [*sorted(q.groups)] if q.groups else [None, *facts.sheet.groups]
    same: dict[str, list[float]] = {"difference": [], "pp": [], "relative": [], "ratio": []}
    for metric in metrics:
        for a, b in _pairs(facts, subject, against, groups, metric):
            for label, vs in _derivations(a, b).items():
                same[label] += vs
    if _matches_derived(q.number, same[q.label], q.label):
        return None
    names = {"difference": "a difference", "pp": "percentage points", "relative": "a relative "
             "change (%)", "ratio": "a ratio"}
    order = ["pp", "relative", "difference", "ratio"] if q.number.percent else list(same)
    other = next((label for label in order if label != q.label
                  and _matches_derived(q.number, same[label], label)), None)
    if other is not None:
        return f"{q.number.text} is {names[other]} between the runs, stated as {names[q.label]}"
    for metric in metrics:  # across two rows: one group of one run, another of the other
        for g1 in facts.sheet.groups:
            for g2 in facts.sheet.groups:
                if g1 == g2:
                    continue
                for run1, run2 in ((subject, against), (against, subject), (subject, subject),
                                   (against, against)):
                    x, y = facts.mean(run1, g1, metric), facts.mean(run2, g2, metric)
                    if x is None or y is None:
                        continue
                    if _matches_derived(q.number, _derivations(x, y)[q.label], q.label):
                        return (f"{q.number.text} is computed across two rows ({g1} against "
                                f"{g2}), not between {who(subject, facts.sheet)} and "
                                f"{who(against, facts.sheet)} in one group")
    for run in facts.sheet.run_aliases:  # the difference of another pair of runs
        for other_run in facts.sheet.run_aliases:
            if {run, other_run} == {subject, against} or run == other_run:
                continue
            for metric in metrics:
                for a, b in _pairs(facts, run, other_run, groups, metric):
                    if _matches_derived(q.number, _derivations(a, b)[q.label], q.label):
                        return (f"{q.number.text} is {names[q.label]} between "
                                f"{who(run, facts.sheet)} and {who(other_run, facts.sheet)}, "
                                f"not between {who(subject, facts.sheet)} and "
                                f"{who(against, facts.sheet)}")
    true = same[q.label][:1] if q.groups else []
    shown = f" (it is {fmt(true[0])})" if true else ""
    return (f"{q.number.text} is not {names[q.label]} between {who(subject, facts.sheet)} and "
            f"{who(against, facts.sheet)}{' on ' + ', '.join(sorted(q.groups)) if q.groups else ''}"
            f"{shown}")


def _direction_metric(clause: Clause, sheet: FactSheet) -> str:
    after = [m for m in clause.metrics if m.start >= clause.direction_at]
    if after and after[0].start - clause.direction_at <= 40:
        return str(after[0].key)
    before = [m for m in clause.metrics if m.start < clause.direction_at]
    if before:
        return str(before[-1].key)
    return str(after[0].key) if after else sheet.primary_metric


def _clause_groups(clause: Clause, quotes: list[Quote]) -> list[str | None]:
    named = list(dict.fromkeys(str(m.key) for m in clause.groups))
    if named:
        return [*named]
    framed = {g for q in quotes for g in q.groups} or set(clause.frame)
    return [*sorted(framed)] if framed else [None]


def _direction(clause: Clause, facts: Facts) -> str | None:
    if clause.direction is None or clause.negated or clause.against is None:
        return None
    metric = _direction_metric(clause, facts.sheet)
    groups = _clause_groups(clause, clause.quotes)
    derived_groups = {g for q in clause.quotes if q.role == "derived" for g in q.groups}
    if groups == [None] and derived_groups:
        groups = [*sorted(derived_groups)]
    for against in [clause.against, *clause.others]:
        for subject in clause.subject:
            if subject == against:
                continue
            for g in groups:
                problem = _compared(clause, facts, subject, against, g, metric)
                if problem:
                    return problem
    return None


def _compared(clause: Clause, facts: Facts, subject: int, against: int, g: str | None,
              metric: str) -> str | None:
    """Whether ``subject`` is as the clause says against ``against``; a variant evaluated
    only on validation (an exploratory one) is compared there, over the groups."""
    sheet = facts.sheet
    a, b = facts.mean(subject, g, metric), facts.mean(against, g, metric)
    where = f" on {g}" if g else " (mean over groups)"
    if (a is None or b is None) and g is None and metric == sheet.primary_metric \
            and subject in sheet.validation and against in sheet.validation:
        metric, where = sheet.validation_metric, " (on validation, mean over groups)"
        a, b = sheet.validation[subject], sheet.validation[against]
    if a is None or b is None:
        return None
    lower = lower_is_better(sheet, metric) if metric != sheet.validation_metric \
        else sheet.lower_is_better
    diff = a - b
    up = diff > 0
    want = {"up": up, "down": diff < 0, "better": diff < 0 if lower else up,
            "worse": up if lower else diff < 0}[clause.direction or "up"]
    if want:
        return None
    return (f"the wording says {clause.direction} but {metric} of {who(subject, sheet)} is "
            f"{fmt(a)} against {fmt(b)} for {who(against, sheet)}{where}")


def _significance(clause: Clause, facts: Facts) -> str | None:
    if not clause.significant or (clause.negated and not re.search(r"\bsignifican", clause.text)):
        return None
    sheet = facts.sheet
    subjects = [s for s in clause.subject if s != 0]
    if clause.subject == [0] and clause.against not in (None, 0):
        subjects = [clause.against]  # "the baseline is significantly worse than run 2"
    elif clause.against not in (None, 0) and subjects:
        return (f"no test compares {who(subjects[0], sheet)} with "
                f"{who(clause.against, sheet)}: the tests are against the baseline")
    metrics = {str(m.key) for m in clause.metrics}
    if metrics and sheet.primary_metric not in metrics:
        return (f"significance is claimed on {', '.join(sorted(metrics))}, which was not tested "
                f"(only {sheet.primary_metric} was)")
    if not sheet.comparisons or all(c.p_adjusted is None for c in sheet.comparisons.values()):
        return "significance is claimed, but no test was possible (one seed per variant)"
    if not subjects:
        if any(c.significant for c in sheet.comparisons.values()):
            return None
        return "significance is claimed, but no difference is significant after the Holm correction"
    groups = _clause_groups(clause, [q for q in clause.quotes if q.role == "value"])
    for run in subjects:
        for g in groups:
            done = tested(facts, run, g)
            bad = [c for c in done if not c.significant]
            if g is None and bad:
                return (f"{who(run, sheet)} is called significant without a group, but the mean "
                        f"over groups was not tested and {len(bad)} of {len(done)} groups are "
                        f"not significant (Holm)")
            if bad:
                return (f"{who(run, sheet)} on {g}: corrected p = {fmt(bad[0].p_adjusted or 1)}, "
                        f"not significant")
            if clause.direction in ("better", "worse") and not clause.negated:
                wrong = [c for c in done if c.better != (clause.direction == "better")]
                if wrong:
                    return (f"{who(run, sheet)} is significantly "
                            f"{'worse' if clause.direction == 'better' else 'better'} on "
                            f"{wrong[0].group}, not {clause.direction}")
    return None


def _p_value(q: Quote, clause: Clause, facts: Facts) -> str | None:
    sheet = facts.sheet
    subjects = [s for s in clause.subject if s != 0] or (
        [clause.against] if clause.against not in (None, 0) else [])
    groups = _clause_groups(clause, [])
    done = [c for run in (subjects or list(sheet.run_aliases)) for g in groups
              for c in tested(facts, run, g)]
    done = [c for c in done if c.p_value is not None]
    if not done:
        return f"p {q.op} {q.number.text}, but no test was possible (one seed per variant)"

    def p_of(c: Comparison) -> list[float | None]:
        raw, adj = c.p_value, c.p_adjusted
        return [raw] if q.adjusted is False else [adj] if q.adjusted is True else [adj, raw]

    if q.op == "=":
        if any(abs(p - q.number.value) <= q.number.tolerance for c in done for p in p_of(c)
               if p is not None):
            return None
        return (f"p = {q.number.text} is not a computed p-value of this comparison (corrected p = "
                f"{', '.join(fmt(c.p_adjusted or 1.0) for c in done[:3])})")
    which = [p for c in done for p in p_of(c)[:1] if p is not None]
    named = bool(subjects) and groups != [None]
    holds = [(p < q.number.value) if q.op == "<" else (p > q.number.value) for p in which]
    if (any(holds) if named or not subjects else all(holds)) and holds:
        return None
    kind = "raw" if q.adjusted is False else "Holm-corrected"
    return (f"p {q.op} {q.number.text} does not hold: the {kind} p-values are "
            f"{', '.join(fmt(p) for p in which[:4])}")


# ---- units -----------------------------------------------------------------------------------


def check_reading(reading: Reading, sheet: FactSheet, section: str = "") -> list[tuple[str, str]]:
    """(kind, message) for each false claim of one unit."""
    facts = Facts(sheet)
    found: list[tuple[str, str]] = []
    if reading.unit.kind == "row":
        return table_row(reading, facts)
    if re.search(r"\\cite", reading.unit.text) and not any(c.runs for c in reading.clauses):
        return found  # about the cited work, not about these runs
    for clause in reading.clauses:
        for q in clause.quotes:
            metrics = _metrics(q, clause, sheet)
            problem = None
            if q.role == "value" and q.run is not None:
                kind, problem = "attribution", attribution(q, clause, facts, metrics,
                                                            who(q.run, sheet))
            elif q.role == "uncertainty":
                kind, problem = "uncertainty", _uncertainty(q, facts, metrics)
            elif q.role == "count":
                kind, problem = "count", _count(q, sheet)
            elif q.role == "derived":
                kind, problem = "derived", _derived(q, clause, facts, metrics)
            elif q.role == "p":
                kind, problem = "p_value", _p_value(q, clause, facts)
            if problem:
                found.append((kind, problem))
        for kind, check in (("direction", _direction), ("significance", _significance)):
            problem = check(clause, facts)
            if problem:
                found.append((kind, problem))
    found += [("setting", m) for m in settings_said(reading.text, sheet)]
    if section in NAME_SECTIONS or not section:
        found += [("name", m) for m in unknown_names(reading.unit.text, sheet.vocabulary)]
    return found




def check_truth(latex: str, sheet: FactSheet, authored: frozenset[str] = frozenset(), *,
                section: str = "") -> list[ClaimFinding]:
    """The false claims of a LaTeX fragment (a section), each marked ``from_draft`` when its
    unit is the author's draft word for word."""
    out = []
    for unit in units(strip_comments(latex)):
        for kind, message in check_reading(read(unit, sheet), sheet, section):
            out.append(ClaimFinding(kind=kind, unit=unit.text, message=message,
                                    from_draft=unit_key(unit.text) in authored))
    return out


def beyond_numbers(findings: list[ClaimFinding],
                   numbers: list[NumberProblem]) -> list[ClaimFinding]:
    """``findings`` less the attributions of a number the number check already reports in
    its unit (a count, a derived quantity or a p-value says more than "not a result")."""
    reported = {(unit_key(p.unit), p.number.replace("\\%", "%")) for p in numbers}
    return [f for f in findings
            if f.kind not in ("attribution", "setting") or not any(
                unit_key(f.unit) == unit and f.message.startswith(number + " ")
                for unit, number in reported)]


def check_unit_truth(unit: Unit, sheet: FactSheet, section: str = "") -> list[tuple[str, str]]:
    return check_reading(read(unit, sheet), sheet, section)
