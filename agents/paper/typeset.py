"""What is typeset is what is checked: hidden text in the source, and the PDF's own text.

The number and claim checks read the LaTeX source; a reader reads the PDF. The two differ
where LaTeX hides or makes text: ``\\iffalse``, a comment environment, ``\\phantom``, white
or tiny text, or a macro that prints a number where it is used (``\\newcommand{\\acc}{0.97}``).
So the paper's sections may hold none of these (``hidden_text``), and after the compile the
PDF's text (``pdftotext``, in the paper image like every untrusted PDF) is read
(``check_typeset``): the generated results table must be visible in it, and every decimal
number the PDF shows before the references must be in the source's visible text.
"""

from __future__ import annotations

import re

from agents.paper.numbers import LOCK_BEGIN, LOCK_END, numbers, strip_comments

_HIDING: tuple[tuple[str, str], ...] = (
    (r"\\iffalse\b|\\if0\b|\\ifdefined\\undefined", "\\iffalse hides what follows it from the PDF"),
    (r"\\begin\s*\{comment\}|\\excludecomment", "a comment environment hides text from the PDF"),
    (r"\\[hv]?phantom\b", "\\phantom typesets blank space in place of text"),
    (r"\\(?:textcolor|color|colorbox|pagecolor)\s*(?:\[[^\]]*\])?\s*\{\s*(?:white|bg|background"
     r"|[^}]*!\s*0\s*)\s*\}", "white text is invisible in the PDF"),
    (r"\\tiny\b|\\fontsize\s*\{\s*0*(?:[0-4](?:\.\d+)?|\.\d+)\s*(?:pt)?\s*\}",
     "text too small to read"),
    (r"\\(?:re)?newcommand\b|\\providecommand\b|\\(?:e|g|x)?def\s*\\|\\let\s*\\|\\DeclareRobustCommand"
     r"|\\newenvironment\b|\\renewenvironment\b|\\csname\b",
     "a macro definition: what it prints is not checked where it is used"),
    (r"\\(?:scalebox|resizebox)\s*\{\s*0*\.0\d*\s*\}|\\(?:scalebox)\s*\{\s*0\s*\}",
     "text scaled to nothing"),
    (r"\\(?:vspace|hspace)\*?\s*\{\s*-\s*\d", "negative space can print over text"),
    (r"\\end\s*\{document\}", "\\end{document} inside a section ends the paper early"),
    (r"\\(?:input|include|includeonly)\s*\{", "an included file is not checked"),
)
_HIDING_RE = [(re.compile(p), why) for p, why in _HIDING]
_DECIMAL = re.compile(r"(?<![\w.])\d*\.\d+(?![\w.]*\d)")


def hidden_text(latex: str) -> list[str]:
    """What in a section hides text from the PDF or prints text the checks do not see."""
    text = strip_comments(latex)
    found = []
    for pattern, why in _HIDING_RE:
        m = pattern.search(text)
        if m:
            found.append(f"{why} (\"{text[m.start():m.start() + 40].strip()}\")")
    return found


def _definitions_removed(source: str) -> str:
    """The source as a reader could see it: no comments, no macro definitions, nothing inside
    ``\\iffalse ... \\fi``."""
    text = strip_comments(source)
    text = re.sub(r"\\iffalse\b.*?\\fi\b", " ", text, flags=re.DOTALL)
    text = re.sub(r"\\begin\{comment\}.*?\\end\{comment\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"\\(?:re)?newcommand\*?\s*\{?\\\w+\}?\s*(?:\[\d\])?\s*\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}",
                  " ", text)
    return re.sub(r"\\(?:e|g|x)?def\s*\\\w+[^{]*\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", " ", text)


def _body(pdf_text: str) -> str:
    """The PDF's text before its references."""
    lines = pdf_text.replace("\f", "\n").splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if re.fullmatch(r"\s*(?:\d+\s+)?(?:References|Bibliography)\s*", lines[i]):
            return "\n".join(lines[:i])
    return "\n".join(lines)


def _decimals(text: str) -> set[str]:
    return {m.group(0).lstrip("0") or "0" for m in _DECIMAL.finditer(text.replace("\u2212", "-"))}


def check_typeset(pdf_text: str, source: str) -> list[str]:
    """The findings of reading the compiled PDF's text against the source it came from."""
    if not pdf_text.strip():
        return []
    body = _body(pdf_text)
    late = sorted(set(re.findall(r"^\s*(Figure \d+):", pdf_text[len(body):], re.MULTILINE)))
    found = [f"{', '.join(late)} {'is' if len(late) == 1 else 'are'} set after the references"
             ] if late else []
    shown = _decimals(body)
    block = re.search(re.escape(LOCK_BEGIN) + r"(.*?)" + re.escape(LOCK_END), source, re.DOTALL)
    if block is not None:
        rows = re.findall(r"^(.*\\\\)\s*$", block.group(1), re.MULTILINE)
        cells = [m.group(0) for row in rows[1:] for n in numbers(row.split("&", 1)[-1])
                 if (m := _DECIMAL.search(n.text))]  # 1.2 of 1.2\times10^{-3}, as pdftotext has it
        missing = [c for c in cells if (c.lstrip("0") or "0") not in shown]
        if cells and missing:
            found.append(f"the generated results table is not visible in the PDF ({len(missing)} "
                         f"of {len(cells)} of its values are not in the PDF's text, e.g. "
                         f"{missing[0]})")
    visible = _decimals(_definitions_removed(source).replace("\\%", "%"))
    invented = sorted(shown - visible)
    if invented:
        found.append(f"the PDF shows {', '.join(invented[:5])}, which no visible text of the "
                     f"source holds (printed by a macro or hidden text)")
    return found
