"""LaTeX text that every layer writes: escaped strings and numbers as TeX prints them.

Used by the writer (names and numbers from run files are never typeset raw), the literature's
BibTeX, and the offline model.

    >>> latex_escape("val_accuracy 95%")
    'val\\\\_accuracy 95\\\\%'
"""

from __future__ import annotations

import math
import re

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape the characters that LaTeX treats specially (``& % $ # _ { } ~ ^ \\``), one
    character at a time, so no replacement is escaped again."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def tex_number(value: float, digits: int = 4) -> str:
    """A float typeset from the float itself (never from a string of the run files):
    ``digits`` significant digits, ``$a\\times10^{b}$`` for very small or large values."""
    if not math.isfinite(value):
        return "n/a"
    text = f"{value:#.{digits}g}".rstrip(".")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"${mantissa.rstrip('.')}\\times10^{{{int(exponent)}}}$"
    return text


_SAFE_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,80}\.(?:png|pdf|jpg|jpeg)")


def tex_file_name(name: str) -> str:
    """A file name that LaTeX reads as a plain name (``\\includegraphics{...}``): letters,
    digits, ``_`` and ``-`` then one extension; anything else (``}``, ``\\``, spaces, a
    second dot) becomes ``_``. A name from the sandbox never reaches TeX raw.

        >>> tex_file_name("loss}\\\\input{/etc/passwd}.png")
        'loss__input__etc_passwd_.png'
    """
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, "png"
    ext = ext.lower() if ext.lower() in ("png", "pdf", "jpg", "jpeg") else "png"
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", stem)[:80].lstrip("_-") or "figure"
    return f"{stem}.{ext}"


def is_tex_file_name(name: str) -> bool:
    return _SAFE_FILE.fullmatch(name) is not None
