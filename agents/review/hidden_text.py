"""Text in a PDF that a reader cannot see: found, reported, and kept from the reviewers.

A PDF given to ``aisci review`` (or one a model wrote) may carry instructions for the model
that a human reader never sees: white text on the white page, text a point high, text placed
off the page, text drawn invisible (PDF render mode 3), text in a layer hidden by default.
Poppler reads the PDF in the paper image (``sandbox.tex.pdf_review_job(layout=True)``):
``pdftotext`` gives all the text, ``pdftohtml -xml`` each piece a reader can be shown with its
page position, size and colour (invisible text is not in it), and a texlua script the layers
hidden by default (poppler's text leaves their text out). What is hidden is reported with the
review and cut out of the text the reviewers read: they judge what a reader sees.

    >>> found = find_hidden(reading.text, reading.layout, reading.layers)  # Tex.pdf_reading
    >>> [h.kind for h in found]
    ['white', 'tiny']
    >>> visible_text(reading.text, found)             # the text without them
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from pydantic import BaseModel

HiddenKind = Literal["white", "tiny", "off-page", "invisible", "hidden layer"]
#: Text this light (relative luminance, 0 black to 1 white) is taken for white on the page.
WHITE_LUMINANCE = 0.9
#: Text smaller than this (points) no reader reads.
TINY_PT = 4.0
#: Words in a row that the full text has and the visible text lacks: drawn invisible.
INVISIBLE_RUN = 4
MAX_FINDINGS = 20
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)


class HiddenText(BaseModel):
    """One piece of text a reader of the PDF cannot see."""

    kind: HiddenKind
    page: int | None = None
    text: str

    def line(self) -> str:
        where = f" on page {self.page}" if self.page else ""
        return f"{self.kind} text{where}: \"{self.text[:200]}\""


class _Piece(NamedTuple):
    page: int
    text: str
    kind: HiddenKind | None


def _luminance(color: str) -> float:
    match = re.fullmatch(r"#([0-9a-fA-F]{6})", color.strip())
    if not match:
        return 0.0
    r, g, b = (int(match.group(1)[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _parse(layout: str) -> ET.Element | None:
    """The pdftohtml XML, or None. It is poppler's output on an untrusted PDF: no entity
    declarations are accepted and the DOCTYPE (an external DTD) is dropped unread."""
    if not layout.strip() or "<!ENTITY" in layout:
        return None
    body = re.sub(r"<!DOCTYPE[^>]*>", "", layout, count=1)
    try:
        # Entity declarations are refused above and ElementTree fetches no external DTD; expat
        # (2.4.1 and later) also bounds entity expansion.
        return ET.fromstring(body.encode("utf-8"))  # noqa: S314
    except ET.ParseError:
        return None


def _pieces(root: ET.Element) -> list[_Piece]:
    """Every text element in document order, with why a reader cannot see it (or None)."""
    fonts: dict[str, tuple[float, str]] = {}
    out: list[_Piece] = []
    for page in root.iter("page"):
        number = int(_number(page.get("number")))
        height, width = _number(page.get("height")), _number(page.get("width"))
        for element in page:
            if element.tag == "fontspec":
                fonts[element.get("id", "")] = (_number(element.get("size")),
                                                element.get("color", "#000000"))
                continue
            if element.tag != "text":
                continue
            text = " ".join("".join(element.itertext()).split())
            if not text:
                continue
            size, color = fonts.get(element.get("font", ""), (10.0, "#000000"))
            top, left = _number(element.get("top")), _number(element.get("left"))
            h, w = _number(element.get("height")), _number(element.get("width"))
            kind: HiddenKind | None = None
            if top + h <= 0 or left + w <= 0 or (height and top >= height) or (
                    width and left >= width):
                kind = "off-page"
            elif _luminance(color) >= WHITE_LUMINANCE:
                kind = "white"
            elif 0 < size < TINY_PT:
                kind = "tiny"
            out.append(_Piece(number, text, kind))
    return out


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text))]


def _invisible(full: str, shown: list[_Piece]) -> list[HiddenText]:
    """Runs of words the full text has more often than the layout (which leaves out text
    drawn invisible). Counting, not aligning, so two columns read in another order do not
    count as missing; a word is a candidate only while its count is over, and a word the
    layout never has whole but inside a longer word is a broken ligature ("di er" for
    "differ"), not a missing one. When most of the text is invisible it is a scanned page's
    OCR layer (the image shows it): nothing is found."""
    layout_words = [w for piece in shown for w in _words(piece.text)]
    joined = " ".join(layout_words)
    excess = Counter(_words(full))
    excess.subtract(layout_words)
    whole = set(layout_words)
    words = _WORD.findall(unicodedata.normalize("NFKC", full))
    found: list[HiddenText] = []
    run: list[str] = []
    flagged = 0
    for word in [*words, ""]:
        key = word.lower()
        if word and excess[key] > 0 and (key in whole or key not in joined):
            run.append(word)
            continue
        if len(run) >= INVISIBLE_RUN:
            found.append(HiddenText(kind="invisible", text=" ".join(run)))
            flagged += len(run)
            for w in run:
                excess[w.lower()] -= 1
        run = []
    return [] if flagged * 2 > len(words) else found


def find_hidden(text: str, layout: str, layers: str = "") -> list[HiddenText]:
    """What a reader of the PDF cannot see (at most ``MAX_FINDINGS``); [] when the layout
    could not be read (nothing is then claimed either way)."""
    found: list[HiddenText] = []
    for line in layers.splitlines():
        if line.startswith("off "):
            found.append(HiddenText(kind="hidden layer", text=f"a layer named {line[4:].strip()!r} "
                                    f"is hidden by default (its text is left out of the review)"))
    root = _parse(layout)
    if root is None:
        return found[:MAX_FINDINGS]
    pieces = _pieces(root)
    current: HiddenText | None = None
    for piece in pieces:  # consecutive hidden pieces of one kind and page are one finding
        if piece.kind is None:
            current = None
            continue
        if current is not None and current.kind == piece.kind and current.page == piece.page:
            current.text = f"{current.text} {piece.text}"
            continue
        current = HiddenText(kind=piece.kind, page=piece.page, text=piece.text)
        found.append(current)
    found += _invisible(text, pieces)
    return found[:MAX_FINDINGS]


def visible_text(text: str, hidden: list[HiddenText]) -> str:
    """``text`` without the hidden pieces (each cut where its words appear in a row; a piece
    of fewer than three words is too common to cut safely and is only reported)."""
    for finding in hidden:
        words = finding.text.split()
        if finding.kind == "hidden layer" or len(words) < 3:
            continue
        pattern = r"\s+".join(re.escape(w) for w in words)
        text = re.sub(pattern, " ", text)
    return text


class PdfReader(Protocol):
    async def pdf_reading(self, pdf: Path) -> Any: ...


async def read_paper_pdf(reader: PdfReader, pdf: Path) -> tuple[str, list[HiddenText]]:
    """What reviewers read of ``pdf`` (its visible text) and what was hidden in it."""
    reading = await reader.pdf_reading(pdf)
    hidden = find_hidden(reading.text, reading.layout, reading.layers)
    return visible_text(reading.text, hidden), hidden
