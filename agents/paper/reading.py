"""The claim reader: what one sentence, caption or table row says about the results.

A unit is cleaned of its LaTeX (``plain_text``: numbers in words become digits, ``\\pm`` a
``±``) and cut into clauses (at ";", "while", "whereas", "but", and where a new run starts a
clause). In each clause the reader finds its mentions (``agents.paper.mentions``): runs
(named "run 2", "the baseline", by their description "MOMENTUM = 0.9", or by their settings
"the variant with a momentum of 0.5"), groups and metrics; the comparison word and its
direction; whether it claims significance (words, p-values, stars) and whether that is
negated. Each number becomes a ``Quote`` with its role and what it is tied to:

- a value (a mean, one seed, a bound) of the run the clause ties it to: a run named just after
  it ("0.95 for run 2"), the runs of a "respectively" or of a pair "(0.95 vs. 0.87)" in the
  order they were named, else the nearest run named before it in its clause, else the clause's
  subject (carried over from the clause before); its group likewise ("0.57 on moons");
- an uncertainty with its label (standard error, standard deviation, 95 % CI);
- a p-value, with its relation (=, <, >) and whether the sentence says adjusted or raw;
- a count with its noun ("5 seeds", "n = 3", "ran 3 times");
- a derived quantity: a difference, percentage points, a relative change or a ratio ("by
  12.25 percentage points", "17.8 % higher", "3 times as accurate");
- a setting of a run ("a momentum of 0.9"), which states nothing about results.

``agents.paper.truth`` checks what is read here against the facts.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Literal

from agents.paper.facts import FactSheet
from agents.paper.mentions import Mention, metric_forms, name_forms, named_mentions, run_mentions
from agents.paper.numbers import Number, Unit, number_spans
from agents.paper.wording import (
    ADJ_AFTER,
    AGAINST,
    BETTER,
    CI,
    COUNT,
    DEFINITION,
    DIFF_BEFORE,
    DIRECTION,
    DOWN,
    N_EQUALS,
    NEGATION,
    NOT_SIGNIFICANT,
    OVER_GROUPS,
    P_VALUE,
    PP,
    RAN_TIMES,
    RELATIVE,
    SD,
    SE,
    SIGNIFICANCE_TALK,
    SIGNIFICANT,
    SPLIT,
    TIMES,
    TRANSITIVE,
    UP,
    WORSE,
    plain_text,
)

Role = Literal["value", "uncertainty", "p", "count", "derived", "setting"]
Direction = Literal["up", "down", "better", "worse"]


@dataclass
class Quote:
    number: Number
    start: int
    role: Role = "value"
    run: int | None = None
    groups: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()
    label: str = ""  # uncertainty: se|sd|ci; derived: pp|relative|ratio|difference; count: noun
    op: str = "="  # p-values: = < >
    adjusted: bool | None = None  # p-values: None when the sentence does not say


@dataclass
class Clause:
    text: str
    start: int
    runs: list[Mention] = field(default_factory=list)
    groups: list[Mention] = field(default_factory=list)
    metrics: list[Mention] = field(default_factory=list)
    subject: list[int] = field(default_factory=list)
    against: int | None = None  # the run a comparison is made with ("than the baseline")
    others: list[int] = field(default_factory=list)  # more of them ("outperforms both A and B")
    direction: Direction | None = None
    direction_at: int = -1
    significant: bool = False  # claims significance, not negated
    negated: bool = False
    quotes: list[Quote] = field(default_factory=list)
    frame: list[str] = field(default_factory=list)  # the groups the unit is about here


@dataclass
class Reading:
    unit: Unit
    text: str  # the cleaned text
    clauses: list[Clause]
    header: list[str] = field(default_factory=list)  # a row's column headers


def _spans_overlap(a: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _direction(clause: str, sheet: FactSheet) -> tuple[Direction | None, int]:
    text = DEFINITION.sub(lambda m: " " * len(m.group(0)), clause)
    metric_words = {w for m in sheet.metrics for w in m.lower().split("_")}
    settings = sheet.setting_names | {w for name in sheet.setting_names for w in name.split()
                                      if len(w) >= 4 and w not in metric_words}
    for m in DIRECTION.finditer(text):
        after = re.sub(r"^(?:(?:the|a|an|its|their)\s+)?(?:(?:value|values|amount|size|strength"
                       r"|level|magnitude|coefficient|setting)\s+of\s+(?:the\s+)?)?", "",
                       text[m.end():m.end() + 50].strip())
        if any(re.match(rf"{re.escape(name)}\b", after.replace("_", " ")) for name in settings
               if name):
            continue  # "a lower learning rate": about a setting, not a result
        if re.match(r"(?:to|at)\s+(?:about|roughly|approximately|around|nearly|almost|over|just)?"
                    r"\s*[-+]?\.?\d", after):
            continue  # "accuracy climbs to 0.82": a level reached, not a comparison
        kind = next(k for k in ("up", "down", "better", "worse") if m.group(k))
        return kind, m.start()  # type: ignore[return-value]
    return None, -1


def _label(text: str, *, last: bool = False) -> str:
    """The uncertainty ``text`` names (se, sd, ci): its first (or ``last``) label."""
    found = sorted((m.start(), label) for label, pattern in (("se", SE), ("sd", SD), ("ci", CI))
                   for m in pattern.finditer(text))
    return (found[-1] if last else found[0])[1] if found else ""


def _p_quotes(text: str) -> list[tuple[Quote, int, int]]:
    out = []
    for m in P_VALUE.finditer(text):
        raw = m.group("num")
        if not m.group("op") and not re.search(r"value|of|is|was|:", m.group(0)):
            continue  # "p 3" is not a p-value
        try:
            value = float(raw)
        except ValueError:
            continue
        mantissa, _, exponent = raw.lower().partition("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        scale = 10.0 ** int(exponent) if exponent else 1.0  # 8.25e-06 is exact to 5e-09
        op = {"<=": "<", "≤": "<", ">=": ">", "≥": ">", "≈": "=", "~": "="}.get(
            m.group("op") or "=", m.group("op") or "=")
        after = ADJ_AFTER.match(text[m.end():])
        said = (m.group("adj") or "") + (after.group(1) if after else "") + (
            "adjusted" if re.search(r"p_?\(?(?:adj|holm|corrected)", m.group(0)) else "")
        adjusted: bool | None = None
        if re.search(r"raw|unadjusted|uncorrected|nominal|before", said):
            adjusted = False
        elif re.search(r"adjusted|corrected|holm|after", said):
            adjusted = True
        q = Quote(Number(text=raw, value=value, tolerance=0.5 * 10.0 ** -decimals * scale + 1e-12,
                         percent=False), m.start("num"), role="p", op=op, adjusted=adjusted)
        out.append((q, m.start(), m.end()))
    return out


def _clauses(text: str, runs: list[Mention]) -> list[tuple[int, int]]:
    """Where clauses start: at ";", "while", "but" ..., and before a run that follows a number
    ("..., and run 2 reaches 0.95"), unless it is what a comparison is made with ("than")."""
    cuts = {0, len(text)} | {m.start() for m in SPLIT.finditer(text)}
    numbers = [s for _, s, _ in number_spans(text)]
    previous: Mention | None = None
    for r in runs:
        if previous is not None and r.key != previous.key and r.start >= previous.end:
            between = text[previous.end:r.start]
            inside = [s for s in numbers if previous.end <= s < r.start]
            if inside and not re.search(r"\b(?:than|over|to|with|against|versus|vs\.?|and|of|from|as"
                                        r"|for|by"
                                        r"|beyond|behind|outperforms?|beats?|surpass\w*|exceeds?)"
                                        r"\s+(?:that of\s+)?(?:the\s+)?$", between):
                connector = re.search(r"(?:,\s*(?:and\s+)?|\s+and\s+)(?:the\s+)?$", between)
                cuts.add(previous.end + connector.start() if connector else r.start)
        previous = r
    ordered = sorted(c for c in cuts if 0 <= c <= len(text))
    return [(a, b) for a, b in itertools.pairwise(ordered) if b > a]


def _near_after(text: str, end: int, mentions: list[Mention], limit: int = 14) -> Mention | None:
    """A mention that follows a number closely ("0.95 for run 2", "0.57 on moons")."""
    for m in mentions:
        gap = text[end:m.start]
        if 0 <= m.start - end <= limit and re.fullmatch(
                r"\s*(?:\(|,?\s*(?:for|of|by|from|on|in|with|at|under|using)\s|\)\s*(?:for|on|in)\s)"
                r"\s*(?:the\s+)?", gap):
            return m  # "moons 0.87, circles 0.81": a bare comma attaches nothing
    return None


def _listed(text: str, last: Mention | None, mentions: list[Mention]) -> list[str]:
    """The groups named in one list that ends with ``last`` ("moons, circles and spirals")."""
    if last is None:
        return []
    out = [str(last.key)]
    current = last
    for m in reversed([m for m in mentions if m.end <= last.start]):
        if re.fullmatch(r"\s*(?:,|and|&|or|,\s*and)\s*", text[m.end:current.start]):
            out.insert(0, str(m.key))
            current = m
        else:
            break
    return out


def _nearest_before(start: int, mentions: list[Mention], lower: int) -> Mention | None:
    before = [m for m in mentions if lower <= m.end <= start]
    return before[-1] if before else None


def read(unit: Unit, sheet: FactSheet) -> Reading:
    """The claims of one unit (a sentence, a caption, or a table row with its header)."""
    text = plain_text(unit.text)
    header: list[str] = []
    if unit.kind == "row":
        header = [plain_text(c) for c in re.split(r"(?<!\\)&", unit.context)]
    runs = run_mentions(text, sheet)
    groups = named_mentions(text, sheet.groups, {g: name_forms(g) for g in sheet.groups})
    metrics = named_mentions(text, sheet.metrics, {m: metric_forms(m) for m in sheet.metrics})
    setting_spans = [(m.start, m.end) for m in runs if m.end - m.start > 0]
    p_quotes = _p_quotes(text)
    p_spans = [(s, e) for _, s, e in p_quotes]
    reading = Reading(unit=unit, text=text, clauses=[], header=header)
    subject: list[int] = []
    against: int | None = None
    group_frame: list[str] = []
    for a, b in _clauses(text, runs):
        clause = Clause(text=text[a:b], start=a)
        clause.runs = [m for m in runs if a <= m.start < b]
        clause.groups = [m for m in groups if a <= m.start < b]
        clause.metrics = [m for m in metrics if a <= m.start < b]
        body = text[a:b]
        clause.negated = bool(NEGATION.search(body))
        said = SIGNIFICANCE_TALK.sub(" ", body)  # "tested for significance" claims nothing
        clause.significant = bool(SIGNIFICANT.search(said) or re.search(r"\d\*|\*\s*\)", said)) \
            and not NOT_SIGNIFICANT.search(said)
        clause.direction, at = _direction(body, sheet)
        clause.direction_at = a + at if at >= 0 else -1
        own = list(dict.fromkeys(int(m.key) for m in clause.runs))
        for against_m in AGAINST.finditer(body):  # "than the baseline", "over run 2"
            named = [int(m.key) for m in clause.runs
                     if a + against_m.end() - 1 <= m.start <= a + against_m.end() + 1]
            if named:
                clause.against = named[0]
                break
        verb = TRANSITIVE.search(body)  # "A outperforms both B and C": B and C are compared with
        if clause.against is None and verb:
            before = list(dict.fromkeys(int(m.key) for m in clause.runs if m.start < a + verb.start()))
            after = [k for k in dict.fromkeys(int(m.key) for m in clause.runs
                                              if m.start >= a + verb.end()) if k not in before]
            if before and after:
                own, clause.against, clause.others = before, after[0], after[1:]
        clause.subject = [k for k in own if k != clause.against] or (own if own else subject)
        if not own and clause.against is None:
            clause.against = against  # "...; the difference is 0.08": the comparison before
        if clause.against is None and len(clause.subject) > 1 and 0 in clause.subject:
            clause.subject = [k for k in clause.subject if k != 0]  # "run 2 ... for the baseline"
            clause.against = 0
        if clause.against is None and clause.subject and 0 not in clause.subject:
            clause.against = 0
        elif clause.against is None and clause.subject == [0] and len(own) > 1:
            clause.against = next(k for k in own if k != 0)
        elif clause.against is None and clause.subject == [0] and subject and subject != [0]:
            clause.against = subject[0]  # "run 2 reaches x, while the baseline reaches y"
        subject = clause.subject or subject
        against = clause.against if clause.against is not None else against
        frame = list(dict.fromkeys(str(m.key) for m in clause.groups))
        if not frame and OVER_GROUPS.search(body):
            group_frame = []  # "averaged over the groups": no group of the sentence before
        group_frame = frame or group_frame
        clause.frame = list(group_frame)
        _quotes(clause, text, a, b, runs, groups, metrics, setting_spans, p_quotes, p_spans,
                group_frame, sheet)
        reading.clauses.append(clause)
    return reading


def _quotes(clause: Clause, text: str, a: int, b: int, runs: list[Mention],
            groups: list[Mention], metrics: list[Mention], setting_spans: list[tuple[int, int]],
            p_quotes: list[tuple[Quote, int, int]], p_spans: list[tuple[int, int]],
            group_frame: list[str], sheet: FactSheet) -> None:
    body = text[a:b]
    clause.quotes += [q for q, s, _ in p_quotes if a <= s < b]
    spans = [(n, s, e) for n, s, e in number_spans(text) if a <= s < b
             and not _spans_overlap((s, e), p_spans)]
    respectively = "respectively" in body
    values = []
    for n, s, e in spans:
        q = Quote(number=n, start=s)
        before, after = text[max(a, s - 60):s], text[e:min(b, e + 60)]
        count = COUNT.match(after)
        if re.search(r"[a-z]-$", text[max(0, s - 2):s]):
            q.role = "setting"  # part of a name: ResNet-18, CIFAR-10, GPT-2
        elif count and re.match(r"\s*(?:each|per|apiece|at a time)\b", after[count.end():]):
            q.role = "setting"  # "one run each": how a variant ran, not how many ran
        elif any(ss <= s and e <= se for ss, se in setting_spans) and not count:
            q.role = "setting"
        elif count:
            q.role, q.label = "count", count.group("noun").rstrip("s") if not count.group(
                "noun").endswith("classes") else "class"
        elif N_EQUALS.search(before) or (
                re.match(r"^\s*times\b", after) and RAN_TIMES.search(before) and not re.match(
                    r"^\s*times\s+(?:as|more|higher|lower|larger|smaller|better|worse|faster"
                    r"|slower|greater|less)", after)):
            q.role, q.label = "count", "seed"
        elif TIMES.match(after) or re.search(r"(?:ratio|factor)\s+(?:of\s+)?(?:about\s+)?$", before):
            q.role, q.label = "derived", "ratio"
        elif PP.match(after):
            q.role, q.label = "derived", "pp"
        elif n.percent and (DIFF_BEFORE.search(before) or re.match(
                rf"^\s*(?:%\s*)?(?:{UP}|{DOWN}|{BETTER}|{WORSE}|relative)", after)
                or RELATIVE.search(before + after[:20])):
            q.role, q.label = "derived", "relative"
        elif DIFF_BEFORE.search(before) and (clause.direction or re.search(
                r"difference|gap|margin|gain|improvement|increase|decrease|reduction|drop|lead|delta"
                r"|change|Δ", before)):
            q.role, q.label = "derived", "difference"
        elif re.search(r"±\s*$", before) or re.search(r"(?:standard (?:error|deviation)|std|sem?|sd"
                                                     r"|spread)\s*(?:of|is|was|=|:)?\s*$", before):
            q.role = "uncertainty"
            q.label = _label(text[e:min(b, e + 30)].split(")")[0]) or _label(
                text[max(a, s - 40):s], last=True)
        elif re.search(r"(?:\[|ci\s*(?:of|=|:)?\s*\[?|interval\s*(?:of|is|was)?\s*\[?)\s*$", before) \
                or (re.match(r"^\s*(?:,|–|--|-|to)\s*-?\d", after) and re.search(r"\[\s*$|ci|interval",
                                                                              before)):
            q.role, q.label = "uncertainty", "ci"
        if q.role in ("value", "uncertainty", "derived"):
            values.append(q)
        clause.quotes.append(q)
    _attribute(clause, text, a, values, runs, groups, metrics, respectively, group_frame)


def _attribute(clause: Clause, text: str, a: int, values: list[Quote], runs: list[Mention],
               groups: list[Mention], metrics: list[Mention], respectively: bool,
               group_frame: list[str]) -> None:
    own_runs = [m for m in runs if a <= m.start < a + len(clause.text)]
    own_groups = [m for m in groups if a <= m.start < a + len(clause.text)]
    own_metrics = [m for m in metrics if a <= m.start < a + len(clause.text)]
    primary = [q for q in values if q.role == "value"]
    run_order = list(dict.fromkeys(int(m.key) for m in own_runs))
    group_order = list(dict.fromkeys(str(m.key) for m in own_groups))
    if respectively and len(primary) >= 2:
        if len(run_order) == len(primary):
            for q, k in zip(primary, run_order, strict=True):
                q.run = k
        if len(group_order) == len(primary):
            for q, g in zip(primary, group_order, strict=True):
                q.groups = frozenset({g})
    pair = re.compile(r"\(\s*[^()]*?(?:vs\.?|versus|against|compared (?:to|with)|to|and|over)\s*[^()]*\)")
    for m in pair.finditer(clause.text):
        inside = [q for q in primary if a + m.start() <= q.start < a + m.end() and q.run is None]
        if len(inside) != 2 or any(a + m.start() <= r.start < a + m.end() for r in own_runs):
            continue
        ordered = list(dict.fromkeys(int(r.key) for r in own_runs if r.start < a + m.start()))
        if len(ordered) < 2 and clause.subject and clause.against is not None:
            ordered = [clause.subject[0], clause.against]  # "run 1 is higher (x against y)"
        if len(ordered) >= 2:
            inside[0].run, inside[1].run = ordered[0], ordered[1]
    for q in values:
        end = q.start + len(q.number.text)
        if q.run is None:
            close = _near_after(text, end, runs)
            if close is not None:
                q.run = int(close.key)
            else:
                prior = _nearest_before(q.start, own_runs, a)
                q.run = int(prior.key) if prior is not None else (
                    clause.subject[0] if len(clause.subject) == 1 else None)
        if not q.groups:
            close = _near_after(text, end, own_groups)
            if close is not None:
                q.groups = frozenset({str(close.key)})
            else:
                prior = _nearest_before(q.start, own_groups, a)
                listed = _listed(text, prior, own_groups)
                if prior is not None and len(listed) > 1 and not respectively:
                    q.groups = frozenset(listed)  # "on moons and circles, run 2 reaches x and y"
                elif prior is not None:
                    q.groups = frozenset({str(prior.key)})
                elif group_order:
                    q.groups = frozenset(group_order)
                elif group_frame:
                    q.groups = frozenset(group_frame)
        near = [m for m in own_metrics if abs(m.start - q.start) <= 40]
        if near:
            best = min(near, key=lambda m: abs(m.start - q.start))
            q.metrics = frozenset(str(m.key) for m in own_metrics
                                  if (m.start, m.end) == (best.start, best.end))
        elif own_metrics:
            q.metrics = frozenset(str(m.key) for m in own_metrics)
