"""Compile a paper with latexmk (pdflatex + bibtex) under a timeout; report pages and errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from pydantic import BaseModel

COMPILE_TIMEOUT_S = 180
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape the characters that LaTeX treats specially (``& % $ # _ { } ~ ^ \\``), one
    character at a time, so no replacement is escaped again."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


class CompileResult(BaseModel):
    ok: bool
    pdf: Path | None = None
    pages: int | None = None
    log_excerpt: str = ""
    error_line: int | None = None


def tex_available() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def compile_pdf(paper_dir: Path, source: str = "template.tex", jobname: str = "paper") -> CompileResult:
    if not tex_available():
        return CompileResult(ok=False, log_excerpt=(
            "TeX is not installed (latexmk/pdflatex not found). Run `bash scripts/setup.sh` "
            "or install texlive-latex-extra and latexmk."))
    for stale in paper_dir.glob(f"{jobname}.*"):
        if stale.suffix in {".aux", ".bbl", ".blg", ".fls", ".fdb_latexmk", ".out", ".pdf"}:
            stale.unlink()
    cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           f"-jobname={jobname}", source]
    try:
        proc = subprocess.run(cmd, cwd=paper_dir, capture_output=True, text=True,
                              timeout=COMPILE_TIMEOUT_S, check=False)
        output = proc.stdout + proc.stderr
        code = proc.returncode
    except subprocess.TimeoutExpired:
        return CompileResult(ok=False, log_excerpt=f"latexmk did not finish in {COMPILE_TIMEOUT_S} s")
    log_path = paper_dir / f"{jobname}.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else output
    (paper_dir / "compile.log").write_text(output + "\n" + log, encoding="utf-8")
    for junk in (".aux", ".fls", ".fdb_latexmk", ".out", ".blg", ".log"):
        (paper_dir / f"{jobname}{junk}").unlink(missing_ok=True)
    pdf = paper_dir / f"{jobname}.pdf"
    pages = re.findall(r"Output written on \S+ \((\d+) pages?", log)
    if code == 0 and pdf.exists():
        return CompileResult(ok=True, pdf=pdf, pages=int(pages[-1]) if pages else None)
    return CompileResult(ok=False, log_excerpt=error_excerpt(log), error_line=_error_line(log, source))


def error_excerpt(log: str, context: int = 6) -> str:
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^\S+\.tex:\d+:", line):
            return "\n".join(lines[i:i + context])
    return "\n".join(lines[-context * 2:])


def _error_line(log: str, source: str) -> int | None:
    match = re.search(rf"{re.escape(source)}:(\d+):", log)
    return int(match.group(1)) if match else None


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (poppler's pdftotext), or empty if it cannot be read."""
    if shutil.which("pdftotext") is None:
        return ""
    proc = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, timeout=60, check=False)
    return proc.stdout if proc.returncode == 0 else ""


def pdf_pages_png(pdf: Path, out_dir: Path, max_pages: int = 4) -> list[Path]:
    """The first pages of a PDF as PNG images (poppler's pdftoppm), for reviewers that see."""
    if shutil.which("pdftoppm") is None:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-l", str(max_pages), str(pdf),
                    str(out_dir / "page")], capture_output=True, timeout=120, check=False)
    return sorted(out_dir.glob("page*.png"))
