"""TeX and PDF tools for papers: compile, read the text, render pages. Untrusted by default.

A paper's LaTeX is model-written (and may quote what an experiment printed); a PDF given to
``aisci review`` is anyone's. So latexmk, pdftotext and pdftoppm run as sandbox jobs in the
paper image (``sandbox.tex``): no network, no host environment, kpathsea in paranoid mode, the
folder in and the PDF, log and text out. ``TexBackend.host`` runs them on this machine
instead, only when asked (``--tex host``, or with ``--sandbox local``): in a fresh copy of the
folder, with a cleared environment, the same kpathsea settings and ``latexmk -norc``.

    tex = Tex.sandboxed(run_job)                # run_job: SandboxJob -> SandboxResult (async)
    result = await tex.compile(paper_dir)       # paper_dir/paper.pdf, compile.log
    text = await tex.pdf_text(paper_dir / "paper.pdf")
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel

from agents.run import copy_tree, read_regular
from sandbox import SandboxJob, SandboxResult, host_tex_env, latex_job, latexmk_command, pdf_review_job

if TYPE_CHECKING:
    from agents.jobs import JobRunner

COMPILE_TIMEOUT_S = 180
_JUNK = (".aux", ".fls", ".fdb_latexmk", ".out", ".blg", ".log", ".bbl")


NO_TEX = "TeX is not installed"  # how a compile that could not run begins its log


class PdfReading(NamedTuple):
    """What poppler read from a PDF: its text, its layout (``pdftohtml -xml``) and the
    layers it hides (``off <name>`` lines)."""

    text: str
    layout: str
    layers: str


class CompileResult(BaseModel):
    ok: bool
    pdf: Path | None = None
    pages: int | None = None
    log_excerpt: str = ""
    error_line: int | None = None

    @property
    def first_error(self) -> str:
        """The log's first line (where TeX stopped), or "no log"."""
        return self.log_excerpt.splitlines()[0] if self.log_excerpt else "no log"


def tex_available() -> bool:
    """TeX on this machine (for ``--tex host`` only)."""
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def error_excerpt(log: str, context: int = 6) -> str:
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^\S+\.tex:\d+:", line):
            return "\n".join(lines[i:i + context])
    return "\n".join(lines[-context * 2:])


def _error_line(log: str, source: str) -> int | None:
    match = re.search(rf"{re.escape(source)}:(\d+):", log)
    return int(match.group(1)) if match else None


def read_compile(paper_dir: Path, output: str, exit_ok: bool, source: str = "template.tex",
                 jobname: str = "paper") -> CompileResult:
    """What a latexmk run left in ``paper_dir``: compile.log kept, its by-products removed."""
    log_path = paper_dir / f"{jobname}.log"
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else output
    (paper_dir / "compile.log").write_text(output + "\n" + log, encoding="utf-8")
    for junk in _JUNK:
        (paper_dir / f"{jobname}{junk}").unlink(missing_ok=True)
    pdf = paper_dir / f"{jobname}.pdf"
    pages = re.findall(r"Output written on \S+ \((\d+) pages?", log)
    if exit_ok and pdf.is_file():
        return CompileResult(ok=True, pdf=pdf, pages=int(pages[-1]) if pages else None)
    return CompileResult(ok=False, log_excerpt=error_excerpt(log), error_line=_error_line(log, source))


def _clear_outputs(paper_dir: Path, jobname: str) -> None:
    for stale in paper_dir.glob(f"{jobname}.*"):
        if stale.suffix in {*_JUNK, ".pdf"}:
            stale.unlink()


class Tex:
    """Where TeX and poppler run for a run (or for ``aisci review``)."""

    def __init__(self, jobs: JobRunner | None) -> None:
        self._jobs = jobs  # None: on the host

    @classmethod
    def sandboxed(cls, jobs: JobRunner) -> Tex:
        """In the paper image, as the jobs of ``jobs`` (cached, gated, one event each)."""
        return cls(jobs)

    @classmethod
    def host(cls) -> Tex:
        return cls(None)

    @property
    def on_host(self) -> bool:
        return self._jobs is None

    async def _run(self, job: SandboxJob, what: str) -> SandboxResult:
        assert self._jobs is not None
        return (await self._jobs.run_job(job, what=what)).result

    async def compile(self, paper_dir: Path, source: str = "template.tex",
                      jobname: str = "paper") -> CompileResult:
        _clear_outputs(paper_dir, jobname)
        if self._jobs is None:
            return await asyncio.to_thread(_compile_on_host, paper_dir, source, jobname)
        result = await self._run(latex_job(paper_dir, main=source, jobname=jobname), "compile")
        if result.verdict not in ("ok", "error", "missing_results"):
            return CompileResult(ok=False, log_excerpt=f"the compile job ended: {result.feedback()}")
        return read_compile(paper_dir, result.stdout_tail + result.stderr_tail, result.ok,
                            source, jobname)

    async def pdf_text(self, pdf: Path) -> str:
        """The text of ``pdf`` (empty when it cannot be read)."""
        with tempfile.TemporaryDirectory(prefix="aisci-pdf-") as tmp:
            work = Path(tmp)
            shutil.copyfile(pdf, work / "paper.pdf")
            if self._jobs is None:
                return await asyncio.to_thread(_host_pdftotext, work / "paper.pdf")
            result = await self._run(pdf_review_job(work, "paper.pdf"), "pdf_text")
            out = work / "paper.txt"
            return out.read_text(encoding="utf-8", errors="replace") if result.ok and out.is_file() else ""

    async def pdf_reading(self, pdf: Path) -> PdfReading:
        """The text of ``pdf`` with what shows where a reader can see it (``pdftohtml -xml``)
        and the layers it hides (``agents.review.hidden_text`` reads them)."""
        with tempfile.TemporaryDirectory(prefix="aisci-pdf-") as tmp:
            work = Path(tmp)
            shutil.copyfile(pdf, work / "paper.pdf")
            if self._jobs is None:
                await asyncio.to_thread(_host_pdf_reading, work)
            else:
                await self._run(pdf_review_job(work, "paper.pdf", layout=True), "pdf_text")
            return PdfReading(text=read_regular(work / "paper.txt") or "",
                              layout=read_regular(work / "paper.xml") or "",
                              layers=read_regular(work / "paper.layers") or "")

    async def pdf_pages(self, pdf: Path, out_dir: Path, pages: int = 4) -> list[Path]:
        """The first ``pages`` pages of ``pdf`` as PNG files in ``out_dir``."""
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, out_dir / "paper.pdf")
        if self._jobs is None:
            await asyncio.to_thread(_host_pdftoppm, out_dir / "paper.pdf", out_dir, pages)
        else:
            await self._run(pdf_review_job(out_dir, "paper.pdf", text=False, pages=pages),
                                "pdf_pages")
        (out_dir / "paper.pdf").unlink(missing_ok=True)
        return sorted(p for p in out_dir.glob("page*.png") if p.is_file())


def _compile_on_host(paper_dir: Path, source: str, jobname: str) -> CompileResult:
    """latexmk on this machine, hardened: a fresh copy, a cleared environment, no rc files."""
    if not tex_available():
        return CompileResult(ok=False, log_excerpt=(
            f"{NO_TEX} (latexmk/pdflatex not found). Run `bash scripts/setup.sh` "
            "or install texlive-latex-extra and latexmk."))
    with tempfile.TemporaryDirectory(prefix="aisci-tex-") as tmp:
        work = Path(tmp) / "paper"
        copy_tree(paper_dir, work, ignore=shutil.ignore_patterns(".*"))
        home = Path(tmp) / "home"
        home.mkdir()
        try:
            proc = subprocess.run(latexmk_command(source, jobname), cwd=work, capture_output=True,
                                  text=True, timeout=COMPILE_TIMEOUT_S, check=False,
                                  env=host_tex_env(home), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return CompileResult(ok=False, log_excerpt=f"latexmk did not finish in {COMPILE_TIMEOUT_S} s")
        for name in (f"{jobname}.pdf", f"{jobname}.log"):
            if (work / name).is_file():
                shutil.copyfile(work / name, paper_dir / name)
        return read_compile(paper_dir, proc.stdout + proc.stderr, proc.returncode == 0, source,
                            jobname)


def _host_pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        return ""
    proc = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          timeout=60, check=False, env=host_tex_env(pdf.parent))
    return proc.stdout if proc.returncode == 0 else ""


def _host_pdf_reading(work: Path) -> None:
    """``pdf_review_job(layout=True)``'s files, made with the host's tools (``--tex host``)."""
    job = pdf_review_job(work, "paper.pdf", layout=True, image="host")
    if shutil.which("pdftotext") is None:
        return
    subprocess.run(job.command, cwd=work, capture_output=True, timeout=120, check=False,
                   env=host_tex_env(work))


def _host_pdftoppm(pdf: Path, out_dir: Path, pages: int) -> None:
    if shutil.which("pdftoppm") is None:
        return
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-l", str(pages), str(pdf), str(out_dir / "page")],
                   capture_output=True, timeout=120, check=False, env=host_tex_env(out_dir))
