"""Numbers in LaTeX: where they are (sentences, captions, table rows) and how they are printed.

``units`` cuts a LaTeX fragment into the pieces a number is judged in: the sentences of the
prose, each caption, each row of a table the model wrote (the generated results table is
left out: it is checked by identity). ``numbers`` finds every number in a unit, sentence-final
ones included, in any form (``12``, ``0.93``, ``-0.01``, ``12\\%``, ``1.2e-3``,
``$1.2\\times10^{-3}$``, ``\\num{0.87}``), with its printed precision, and leaves out numbers that
are part of the document's structure: references, citations, labels, lengths, ``Table~2``,
``run 1``, ``2-D``, years in citations, the 95 % of a confidence interval and the 0.05 of a
significance level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

LOCK_BEGIN = "% aisci:results-table:begin"
LOCK_END = "% aisci:results-table:end"

UnitKind = Literal["sentence", "caption", "row"]


@dataclass(frozen=True)
class Unit:
    kind: UnitKind
    text: str  # the unit as written (what a removal takes out)
    context: str = ""  # for a table row: its header row


@dataclass(frozen=True)
class Number:
    text: str
    value: float  # as printed (a percentage is not divided by 100)
    tolerance: float  # half a unit of the last printed digit
    percent: bool


_STRUCTURE = [re.compile(p) for p in (
    r"\\(?:ref|eqref|autoref|cref|label|cite[a-z]*\*?|includegraphics|usepackage|input|include"
    r"|bibliography\w*|begin|end|hspace|vspace|setlength|url|href)\s*(?:\[[^\]]*\])*\{[^}]*\}",
    r"\[[^\]]*(?:width|height|scale|angle)[^\]]*\]",
    r"\d+(?:\.\d+)?\s*(?:pt|cm|mm|em|ex|bp)\b",
    r"\b(?:Tables?|Tab\.|Figures?|Fig\.|Sections?|Sec\.|Eqs?\.|Equations?|Appendix|Algorithm|"
    r"Lines?)\s*~?\s*\d+(?:\s*(?:,|and|--|-)\s*\d+)*",
    r"\b[Rr]uns?\s*(?:~|\\_|_|\s)\s*\d+(?:\s*(?:,|and|or|--|-|to)\s*\d+)*",
    r"\bseeds?\s*~?\s*\d+(?:\s*(?:,|and|--|-|to)\s*\d+)*",
    r"\b\d+\s*-?\s*[Dd]\b",
    r"\b95\s*\\?%\s*(?=(?:confidence|CI|ci\b|interval|c\.i\.))",
    r"(?:\\alpha|\balpha|significance level(?: of)?)\s*[=:]?\s*\$?\s*0\.05",
    r"\bp\s*\$?\s*[<>]\s*\$?\s*0\.0[15]",
    r"\(\s*(?:19|20)\d\d[a-z]?\s*\)", r"\b(?:in|In|since|Since)\s+(?:19|20)\d\d\b",
    r"et~?\s*al\.?,?\s*(?:19|20)\d\d",
    r"\(\s*[ivx\d]\s*\)", r"\\item\s*\[[^\]]*\]",
)]
_NUMBER = re.compile(
    # a sign touches its number: "- 1 run" (a list's dash) is 1, not -1
    r"(?<![\w.\\])(?P<sign>[-+\u2212](?=[\d.,]))?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?:[eE](?P<exp>[-+]?\d+)|\\times\s*10\s*\^\s*\{?\s*(?P<exp2>[-+\u2212]?\d+)\s*\}?))?"
    r"(?P<pct>\s*\\%|\s*%| percent\b)?(?![\w]|\.\d)")
#: A display (``align*``, ``equation`` ...): a removal takes out one of its lines, never a piece
#: of it together with the prose around it.
#: The display environments (the cleaning of math in markup.py keeps them too).
DISPLAYS = "equation|align|gather|multline|eqnarray"
_DISPLAY = re.compile(rf"\\begin\{{(?P<env>{DISPLAYS})\*?\}}"
                      r"(?P<body>.*?)\\end\{(?P=env)\*?\}", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\$(])")


def _mask(text: str) -> str:
    """``text`` with structural spans blanked (positions kept)."""
    for pattern in _STRUCTURE:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _math_sign(text: str, start: int) -> bool:
    """A ``$-$`` minus just before a number (a list's "- " dash is none)."""
    window = text[max(0, start - 2):start]
    return "$" in window and window.replace("$", "").strip() == "-"


def numbers(text: str) -> list[Number]:
    return [n for n, _, _ in number_spans(text)]


def number_spans(text: str) -> list[tuple[Number, int, int]]:
    """Each number of ``text`` (as ``numbers`` finds them) with where it starts and ends."""
    masked = _mask(text)
    found = []
    for m in _NUMBER.finditer(masked):
        raw = m.group("num").replace(",", "")
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        exponent = m.group("exp") or m.group("exp2")
        scale = 10.0 ** int(exponent.replace("\u2212", "-")) if exponent else 1.0
        value = float(raw) * scale
        if m.group("sign") in ("-", "\u2212") or (not m.group("sign") and _math_sign(masked, m.start())):
            value = -value
        found.append((Number(text=m.group(0).strip(), value=value,
                             tolerance=0.5 * 10.0 ** (-decimals) * scale + 1e-12,
                             percent=bool(m.group("pct"))),
                      m.start() + len(m.group(0)) - len(m.group(0).lstrip()), m.end()))
    return found


def strip_comments(latex: str) -> str:
    return "\n".join(re.sub(r"(?<!\\)%.*$", "", line) for line in latex.splitlines())


def _balanced(text: str, start: int) -> int:
    """The index just after the brace group that opens at ``text[start] == '{'``."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def without_locked_table(latex: str) -> str:
    return re.sub(re.escape(LOCK_BEGIN) + r".*?" + re.escape(LOCK_END), " ", latex, flags=re.DOTALL)


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph; a period inside parentheses ends none ("run 2 (change
    X to 4. Keep Y) reached 0.91." is one sentence: cut there, its second half would name no
    run)."""
    out, start, depth, last = [], 0, 0, 0
    for m in _SENTENCE_END.finditer(text):
        depth += text.count("(", last, m.start()) - text.count(")", last, m.start())
        last = m.start()
        if depth <= 0:
            out.append(text[start:m.start()])
            start, depth = m.end(), 0
    out.append(text[start:])
    return [s for s in out if s.strip()]


def units(latex: str) -> list[Unit]:
    """The sentences, captions and table rows of a LaTeX fragment (locked table left out)."""
    body = without_locked_table(latex)
    found: list[Unit] = []
    for m in list(re.finditer(r"\\caption\s*(?:\[[^\]]*\])?\{", body))[::-1]:
        end = _balanced(body, m.end() - 1)
        found.append(Unit("caption", body[m.end():end - 1]))
        body = body[:m.start()] + " " * (end - m.start()) + body[end:]
    for m in list(re.finditer(r"\\begin\{tabular\*?\}.*?\\end\{tabular\*?\}", body, re.DOTALL))[::-1]:
        rows = [r.strip() for r in re.split(r"\\\\", m.group(0))]
        rows = [re.sub(r"\\(?:toprule|midrule|bottomrule|hline|cline\{[^}]*\})", "", r).strip()
                for r in rows]
        rows = [r for r in rows if r and not r.startswith("\\end")]
        header = re.sub(r"^\\begin\{tabular\*?\}\{[^}]*\}", "", rows[0]) if rows else ""
        found += [Unit("row", row, context=header) for row in rows[1:]]
        body = body[:m.start()] + " " * (m.end() - m.start()) + body[m.end():]
    for m in list(_DISPLAY.finditer(body))[::-1]:  # each line of a display is a unit of its own
        found += [Unit("sentence", line.strip()) for line in re.split(r"\\\\", m.group("body"))
                  if line.strip()]
        body = body[:m.start()] + " " * (m.end() - m.start()) + body[m.end():]
    prose = re.sub(r"\\begin\{(?:figure|table)\*?\}.*?\\end\{(?:figure|table)\*?\}", " ", body,
                   flags=re.DOTALL)
    for paragraph in re.split(r"\n\s*\n", prose):
        text = " ".join(paragraph.split())
        found += [Unit("sentence", s) for s in sentences(text)]
    return found
