"""The author's draft (``aisci run --from-draft paper.tex|paper.pdf``), read into sections.

The draft is copied into the run folder (``draft/``) when the run starts, so a resume needs
nothing outside the folder. A LaTeX draft is split at its ``\\section`` commands and its
abstract environment; its preamble stays out (the paper keeps the template's skeleton). A
PDF's text is extracted where TeX runs (``Tex.pdf_text``: in the paper image unless TeX runs
on the host) and split at its heading lines ("1 Introduction", "Related Work"). Each part is
mapped by its heading onto a section of the skeleton; a part with another heading joins the
section before it under a ``\\paragraph``, so no text of the author is lost. What cannot be
carried over (figures whose image files are not in the copy, an appendix) is left out and
named in ``Draft.notes``.

The draft is untrusted LaTeX, like a model's answer: the writer cleans and checks it as it
does every section (``agents.paper.writer``).

    >>> parse_tex(r"\\section{Intro}Our text here." + "\\n" + r"\\section{Methods}We do X.").sections
    {'Introduction': 'Our text here.', 'Method': 'We do X.'}
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from agents.errors import ConfigError
from agents.paper.assemble import SECTIONS
from agents.paper.numbers import strip_comments
from agents.run import RunFolder, atomic_write_text
from agents.tex import latex_escape

if TYPE_CHECKING:
    from agents.paper.tex import Tex

DRAFT_DIR = "draft"
SUFFIXES = (".tex", ".pdf")
#: Headings (lower case, unnumbered) that name a section of the skeleton.
ALIASES: dict[str, tuple[str, ...]] = {
    "Abstract": ("abstract",),
    "Introduction": ("introduction", "intro", "motivation", "overview"),
    "Related Work": ("related work", "prior work", "previous work", "literature review",
                     "related literature", "related research"),
    "Background": ("background", "preliminaries", "problem setting", "problem statement",
                   "problem formulation", "notation"),
    "Method": ("method", "methods", "methodology", "approach", "our approach", "proposed method",
               "our method", "the method", "model"),
    "Experimental Setup": ("experimental setup", "setup", "experimental design",
                           "experimental settings", "experiment setup", "experimental details",
                           "experimental protocol"),
    "Results": ("results", "experiments", "experimental results", "evaluation",
                "results and discussion", "experiments and results", "discussion", "findings"),
    "Conclusion": ("conclusion", "conclusions", "conclusion and future work",
                   "conclusions and future work", "summary", "concluding remarks",
                   "discussion and conclusion", "discussion and conclusions", "future work"),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
#: For a LaTeX heading that is no alias: a word it contains, in this order ("Results on X").
_KEYWORDS = (("related", "Related Work"), ("conclu", "Conclusion"), ("introduc", "Introduction"),
             ("background", "Background"), ("prelimin", "Background"),
             ("setup", "Experimental Setup"), ("result", "Results"), ("experiment", "Results"),
             ("evaluat", "Results"), ("method", "Method"), ("approach", "Method"))
#: Headings after which a PDF's text is no longer the paper's body.
_PDF_END = ("references", "bibliography", "appendix", "appendices", "acknowledgments",
            "acknowledgements")
_SECTION = re.compile(r"\\section\*?\s*(?:\[[^\]]*\])?\s*\{")
_SUBSECTION = re.compile(r"\\(?:sub)+section\*?\s*(?:\[[^\]]*\])?\s*\{([^{}\n]*)\}")
_FIGURE = re.compile(r"\\begin\{(figure\*?|wrapfigure)\}.*?\\end\{\1\}", re.DOTALL)
_FILES = re.compile(r"\\(?:includegraphics|input|include)\s*(?:\[[^\]]*\])?\s*\{[^}]*\}")
_HEADING = re.compile(r"^\s*(?:(?:\d+(?:\.\d+)*|[IVX]+)\.?\s+)?([A-Za-z][A-Za-z &,:-]{1,60}?)\.?\s*$")


class Draft(BaseModel):
    """The draft's text by section of the skeleton (LaTeX bodies), and what was left out."""

    file: str
    sections: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


def section_for(heading: str, *, loose: bool = False) -> str | None:
    """The skeleton's section a draft heading names (``None``: none of them); ``loose`` also
    takes a heading that contains a section's key word."""
    words = re.sub(r"[^a-z ]+", " ", heading.lower().replace("&", " and "))
    words = " ".join(re.sub(r"^\s*[ivx]+\s+", "", words).split())
    if words in _BY_ALIAS or not loose:
        return _BY_ALIAS.get(words)
    return next((name for key, name in _KEYWORDS if key in words), None)


def check_draft(path: Path) -> Path:
    """``path`` as a usable draft (absolute); ``ConfigError`` in one line otherwise."""
    if not path.is_file():
        raise ConfigError(f"--from-draft {path}: no such file (give a .tex or .pdf draft)")
    if path.suffix.lower() not in SUFFIXES:
        raise ConfigError(f"--from-draft {path}: a draft must be a .tex or .pdf file")
    if path.suffix.lower() == ".pdf":
        with path.open("rb") as f:
            if not f.read(5).startswith(b"%PDF-"):
                raise ConfigError(f"--from-draft {path}: not a PDF file")
        return path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"--from-draft {path}: cannot read it as UTF-8 text ({exc})") from None
    if not parse_tex(text, path.name).sections:
        raise ConfigError(f"--from-draft {path}: no abstract and no \\section{{...}} with a known "
                          f"name ({', '.join(SECTIONS)})")
    return path.resolve()


def copy_draft(run_path: Path, source: Path) -> Path:
    """The draft copied into ``<run>/draft/`` (once: a copy already there is kept)."""
    target = run_path / DRAFT_DIR / source.name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return target


def _add(draft: Draft, heading: str, body: str, *, loose: bool = False) -> None:
    """Put one part of the draft where its heading says (or after the part before it)."""
    body = body.strip()
    if not body:
        return
    name = section_for(heading, loose=loose)
    if name is None:
        before = list(draft.sections)
        if not before:
            draft.notes.append(f"the draft's part \"{heading[:60]}\" comes before any section "
                               f"of the paper: left out")
            return
        name = before[-1]
        body = f"\\paragraph{{{heading.strip()}.}} {body}"
    if name in draft.sections:
        draft.sections[name] += "\n\n" + body
    else:
        draft.sections[name] = body


def _clean_tex(body: str, draft: Draft) -> str:
    """A part of a LaTeX draft as a section body: no label of its own, subsections as
    paragraphs, no figures or files that the copy of the draft does not have."""
    body = re.sub(r"^\s*\\label\{[^}]*\}", "", body)
    body = _SUBSECTION.sub(lambda m: f"\\paragraph{{{m.group(1).strip()}.}}", body)
    figures = len(_FIGURE.findall(body))
    body = _FIGURE.sub("", body)
    files = len(_FILES.findall(body))
    body = _FILES.sub("", body)
    if figures or files:
        draft.notes.append(f"{figures + files} figure(s) or included file(s) of the draft left "
                           f"out: their files are not part of the draft")
    return re.sub(r"\n{3,}", "\n\n", body).strip()


def _heading_end(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and text[i - 1] != "\\":
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def parse_tex(text: str, file: str = "draft.tex") -> Draft:
    """A LaTeX draft by section (its preamble, title and bibliography left out)."""
    draft = Draft(file=file)
    body = strip_comments(text)
    if (begin := re.search(r"\\begin\{document\}", body)) is not None:
        body = body[begin.end():]
    body = re.split(r"\\end\{document\}", body)[0]
    body = re.sub(r"\\(?:bibliography|bibliographystyle)\{[^}]*\}|\\printbibliography", "", body)
    appendix = re.search(r"\\appendix\b", body)
    if appendix is not None:
        body = body[:appendix.start()]
        draft.notes.append("the draft's appendix is left out")
    abstract = re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", body, re.DOTALL)
    if abstract is not None:
        _add(draft, "Abstract", _clean_tex(abstract.group(1), draft))
        body = body[:abstract.start()] + body[abstract.end():]
    starts = list(_SECTION.finditer(body))
    for i, m in enumerate(starts):
        close = _heading_end(body, m.end() - 1)
        heading = " ".join(body[m.end():close].split())
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        _add(draft, heading, _clean_tex(body[close + 1:end], draft), loose=True)
    return draft


def _paragraphs(lines: list[str]) -> str:
    """PDF text lines as LaTeX paragraphs: lines joined, words split at a line end rejoined,
    every character escaped (the text is plain, never LaTeX)."""
    text = "\n".join(line for line in lines if not re.fullmatch(r"\s*\d{1,3}\s*", line))
    text = re.sub(r"([a-z])-\n\s*([a-z])", r"\1\2", text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(latex_escape(p) for p in paragraphs if p)


def parse_text(text: str, file: str = "draft.pdf") -> Draft:
    """A PDF's text (``pdftotext``) by section, split at lines that are known headings."""
    draft = Draft(file=file)
    heading: str | None = None
    lines: list[str] = []
    for raw in text.replace("\f", "\n").splitlines():
        inline = re.match(r"^\s*(Abstract)\s*[.:\u2014-]\s*(\S.*)$", raw)
        match = _HEADING.match(raw)
        name = match.group(1) if match else None
        ends = name is not None and " ".join(name.lower().split()) in _PDF_END
        if inline is None and not ends and (name is None or section_for(name) is None):
            lines.append(raw)
            continue
        if heading is not None:
            _add(draft, heading, _paragraphs(lines))
        if ends:
            if heading is None and not draft.sections:
                draft.notes.append("the draft's text has no heading before its references")
            return draft
        heading, lines = (("Abstract", [inline.group(2)]) if inline is not None
                          else (name or "", []))
    if heading is not None:
        _add(draft, heading, _paragraphs(lines))
    return draft


async def load_draft(run: RunFolder, source: Path | None, tex: Tex) -> Draft | None:
    """The run's draft (``--from-draft``: ``source``, of which only the run's own copy is read;
    a PDF's text read with ``tex``), read once (``draft/sections.json``); ``None`` without one.

    A draft that gives no text (a PDF without a text layer) is a ``Draft`` with no sections
    and a note: the paper is then written as without one.
    """
    if source is None:
        return None
    folder = run.path / DRAFT_DIR
    record = folder / "sections.json"
    if record.is_file():
        return Draft.model_validate_json(record.read_text(encoding="utf-8"))
    copy = run.file(DRAFT_DIR, source.name)  # only the run's own copy is ever read
    if not copy.is_file() or copy.is_symlink():
        return Draft(file=source.name, notes=[f"the draft {source.name} is not in the run folder"])
    if copy.suffix.lower() == ".pdf":
        draft = parse_text(await tex.pdf_text(copy), copy.name)
    else:
        draft = parse_tex(copy.read_text(encoding="utf-8", errors="replace"), copy.name)
    if not draft.sections:
        draft.notes.append("no section of the draft could be read: the paper is written as "
                           "without a draft")
    atomic_write_text(record, draft.model_dump_json(indent=1))
    return draft
