"""Put a paper together: the template's skeleton, the sections, the locked table, the figures.

Skeletons in the AI-Scientist format mark each section with a placeholder (``INTRO HERE``,
``RESULTS HERE``...); a section whose placeholder is missing is added before the
bibliography. The writer's sections are cleaned of what a model should not have written
there (a preamble, ``\\section`` lines, the abstract environment).
"""

from __future__ import annotations

import re

from agents.llm import ReplyError
from agents.paper.context import Figure
from agents.paper.markup import plain_latex
from agents.tex import is_tex_file_name, latex_escape

SECTIONS = ("Abstract", "Introduction", "Related Work", "Background", "Method",
            "Experimental Setup", "Results", "Conclusion")
PLACEHOLDERS = {"Introduction": ("INTRODUCTION HERE", "INTRO HERE"),
                "Conclusion": ("CONCLUSION HERE", "CONCLUSIONS HERE")}
_DROP = re.compile(
    r"^\s*\\(?:documentclass|usepackage|title|author|date|maketitle|begin\{document\}"
    r"|end\{document\}|begin\{abstract\}|end\{abstract\}|(?:sub)*section\*?\{[^}]*\}"
    r"|bibliography(?:style)?\{[^}]*\})[^\n]*$", re.MULTILINE)


_NAMES = "|".join(re.escape(n) for n in (*SECTIONS, "Conclusions", "Intro"))
#: A first line that only names the section: a Markdown heading, a bold line, \paragraph.
_TITLE_LINE = re.compile(
    rf"\A\s*(?:#{{1,6}}\s*|\\paragraph\*?\{{|\\textbf\{{|\*\*)?\s*(?:\d+\.?\s*)?(?:{_NAMES})"
    rf"\s*(?:\}}|\*\*)?\s*:?\s*(?:\n|\Z)", re.IGNORECASE)


#: A Markdown table row: small models copy the results they were shown as one. The paper's
#: results table is the program's (locked), so such rows are dropped, not converted.
_MARKDOWN_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$\n?"  # a row on its own line
                           r"|[ \t]*(?<!\\)\|(?:[^|\n$]*\|){3,}[^\n]*$", re.MULTILINE)  # rows run on


def clean_section(text: str) -> str:
    """A section body as a model should have written it; ``ReplyError`` when nothing is left."""
    body = _MARKDOWN_ROW.sub("", _DROP.sub("", text))
    body = plain_latex(_TITLE_LINE.sub("", body.lstrip()))
    body = re.sub(r"\b[A-Z ]{3,40} HERE\b", "", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    if len(body) < 20:
        raise ReplyError("the section is empty: write its LaTeX body (plain paragraphs)")
    return body


def figure_block(figures: list[Figure]) -> str:
    """The figures' LaTeX; a figure whose file name is not a plain one (``tex_file_name``)
    is left out rather than typeset raw."""
    return "\n\n".join("\n".join([
        r"\begin{figure}[t]", r"\centering",
        rf"\includegraphics[width=\linewidth]{{{f.file}}}",
        rf"\caption{{{latex_escape(f.caption)}}}", rf"\label{{{f.label}}}", r"\end{figure}"])
        for f in figures if is_tex_file_name(f.file))


def assemble(skeleton: str, title: str, sections: dict[str, str], *, table: str,
             figures: list[Figure], has_bib: bool) -> str:
    out = skeleton.replace("TITLE HERE", latex_escape(title))
    body = dict(sections)
    if "Abstract" in body:  # the abstract is a list environment: no headings in it
        body["Abstract"] = re.sub(r"\\(?:paragraph|(?:sub)*section)\*?\{([^{}]*)\}\s*",
                                  r"\\textbf{\1} ", body["Abstract"])
    body["Results"] = "\n\n".join(p for p in (body.get("Results", ""), table,
                                              figure_block(figures)) if p)
    missing = []
    for name in SECTIONS:
        text = body.get(name, "")
        marks = PLACEHOLDERS.get(name, (f"{name.upper()} HERE",))
        mark = next((m for m in marks if m in out), None)
        if mark is None:
            missing.append(name)
            continue
        out = out.replace(mark, text, 1)
    if missing:
        extra = "\n\n".join(f"\\section{{{name}}}\n{body.get(name, '')}" for name in missing
                            if name != "Abstract")
        anchor = re.search(r"^\\bibliographystyle|^\\end\{document\}", out, re.MULTILINE)
        at = anchor.start() if anchor else len(out)
        out = out[:at] + extra + "\n\n" + out[at:]
    if figures:  # every float is set before the references, never after them
        anchor = re.search(r"^\\bibliographystyle|^\\bibliography\{|^\\end\{document\}", out,
                           re.MULTILINE)
        if anchor is not None:
            out = out[:anchor.start()] + "\\clearpage\n" + out[anchor.start():]
    if not has_bib:
        out = re.sub(r"^\\bibliography(style)?\{[^}]*\}\s*$", "", out, flags=re.MULTILINE)
    return out


def section_at(source: str, line_no: int) -> str | None:
    """Which section holds a line of the assembled source."""
    current = None
    for i, line in enumerate(source.splitlines(), start=1):
        match = re.match(r"\\section\{([^}]+)\}", line)
        if match and match.group(1) in SECTIONS:
            current = match.group(1)
        elif line.startswith(r"\begin{abstract}"):
            current = "Abstract"
        if i >= line_no:
            return current
    return current
