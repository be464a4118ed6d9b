"""LaTeX from what models actually write: Markdown habits and bare special characters.

Small models often answer a "LaTeX section" with Markdown (``### Run 1``, ``**bold**``,
```DATA_NOISE```) and with bare ``_``, ``%``, ``&``, ``#`` or ``^`` in running text, and one
such character stops the compile ("Missing $ inserted"). ``plain_latex`` turns the Markdown
into LaTeX and escapes the bare characters outside math and outside the arguments of
reference-like commands (``\\ref``, ``\\cite``, ``\\label``, ``\\includegraphics`` ...), whose
underscores are names. An environment left open (a list whose ``\\end{itemize}`` was forgotten
or cut off) is closed at the end, and an ``\\end`` with no ``\\begin`` is dropped. Text that is
already correct LaTeX comes back unchanged.

    >>> plain_latex("### Run 1\\n**Accuracy** of `DATA_NOISE` is 73%, $x_1$")
    '\\\\paragraph{Run 1}\\n\\\\textbf{Accuracy} of \\\\texttt{DATA\\\\_NOISE} is 73\\\\%, $x_1$'
"""

from __future__ import annotations

import re

from agents.paper.numbers import DISPLAYS
from agents.tex import latex_escape

_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
_NAMES = ("ref", "eqref", "autoref", "cref", "label", "cite", "citep", "citet", "citealp",
          "includegraphics", "url", "href", "begin", "end", "input", "bibliography",
          "bibliographystyle", "graphicspath")
#: Math, and the arguments of commands whose argument is a name: left as they are.
_KEEP = re.compile(
    r"(?<!\\)\$\$.+?(?<!\\)\$\$|(?<!\\)\$.+?(?<!\\)\$|\\\(.+?\\\)|\\\[.+?\\\]"
    rf"|\\begin\{{({DISPLAYS})\*?\}}.*?\\end\{{\1\*?\}}"
    r"|\\(?:" + "|".join(_NAMES) + r")\*?(?:\[[^\]]*\])?\{[^{}]*\}",
    re.DOTALL)
_ENVIRONMENT = re.compile(r"\\(begin|end)\{([A-Za-z]+\*?)\}|\\(item)\b")
_LISTS = ("itemize", "enumerate", "description")
_ALIGNED = re.compile(r"\\begin\{(tabular|array|align|matrix|pmatrix|bmatrix|cases)")


def plain_latex(text: str) -> str:
    """``text`` with Markdown turned into LaTeX and bare special characters escaped."""
    text = _HEADING.sub(lambda m: rf"\paragraph{{{m.group(1).strip('*')}}}", text)
    text = _BOLD.sub(r"\\textbf{\1}", text)
    text = _CODE.sub(lambda m: rf"\texttt{{{latex_escape(m.group(1))}}}", text)
    escape_amp = not _ALIGNED.search(text)
    out, last = [], 0
    for kept in _KEEP.finditer(text):
        out.append(_escape_bare(text[last:kept.start()], escape_amp))
        out.append(_math(kept.group(0)) if kept.group(0).startswith(("$", "\\(", "\\[", "\\begin"))
                   else kept.group(0))
        last = kept.end()
    out.append(_escape_bare(text[last:], escape_amp))
    return balanced_environments("".join(out))


def balanced_environments(text: str) -> str:
    """``text`` with every environment closed: one left open is closed at the end, a list's
    ``\\item`` lines whose ``\\begin`` was lost get it back, and any other ``\\end`` with no
    ``\\begin`` is dropped."""
    open_envs: list[str] = []
    out: list[str] = []
    stray_item: int | None = None  # where in ``out`` the first \item outside any list is
    stray_depth = 0  # and how many environments were open there
    last = 0
    for match in _ENVIRONMENT.finditer(text):
        out.append(text[last:match.start()])
        last = match.end()
        kind, name = match.group(1) or match.group(3), match.group(2)
        if kind == "item":
            if stray_item is None and not any(e in _LISTS for e in open_envs):
                stray_item, stray_depth = len(out), len(open_envs)
            out.append(match.group(0))
        elif kind == "begin":
            open_envs.append(name)
            out.append(match.group(0))
        elif name in open_envs:
            while open_envs[-1] != name:  # close what was opened inside and left open
                out.append(f"\\end{{{open_envs.pop()}}}")
            open_envs.pop()
            out.append(match.group(0))
        elif name in _LISTS and stray_item is not None:
            out.insert(stray_item, f"\\begin{{{name}}}\n")
            stray_item = None
            out.append(match.group(0))
    out.append(text[last:])
    if stray_item is not None:
        out.insert(stray_item, "\\begin{itemize}\n")
        open_envs.insert(min(stray_depth, len(open_envs)), "itemize")  # closed after what it holds
    body = "".join(out)
    closing = "".join(f"\n\\end{{{name}}}" for name in reversed(open_envs))
    return body.rstrip() + closing if closing else body


def _math(text: str) -> str:
    """Math as a model writes it, made to compile: a bare ``%`` there is a percent sign (as a
    comment it would hide the rest of the line, the ``\\\\`` or ``\\end`` included), and a blank
    line inside a display ends the paragraph before the display is complete."""
    text = re.sub(r"(?<!\\)%", r"\\%", text)
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", text)


def _escape_bare(text: str, escape_amp: bool) -> str:
    text = re.sub(r"(?<!\\)([_%#])", r"\\\1", text)
    text = re.sub(r"(?<!\\)\^", r"\\^{}", text)
    if escape_amp:
        text = re.sub(r"(?<!\\)&", r"\\&", text)
    return text
