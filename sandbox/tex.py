"""TeX and PDF jobs: compile model-written LaTeX and read untrusted PDFs in the paper image.

LaTeX is a programming language with file access: ``\\input{/proc/self/environ}`` or
``\\openin`` read any file the process can read, ``\\write18`` runs shell commands where shell
escape is on, ``\\openout`` writes files, and latexmk runs the Perl of a ``latexmkrc`` found in
the folder. A PDF is input to poppler's parsers. So both run like experiment code: in a
container of the paper image (``sandbox.images.ensure_paper_image``) with the Docker hardening
(no network, no capabilities, uid 65534, read-only root, limits), where kpathsea is also set
to paranoid (``openin_any=p openout_any=p shell_escape=f``: no absolute paths, no ``..``, no
dotfiles, no shell) and latexmk runs with ``-norc``.

The caller runs the jobs with its sandbox and reads the files they leave:

    >>> from sandbox.docker import DockerSandbox
    >>> result = DockerSandbox().run(latex_job(paper_dir))      # paper_dir/paper.pdf, paper.log
    >>> result = DockerSandbox().run(pdf_review_job(review_dir, "paper.pdf", pages=3))
    >>> text = (review_dir / "paper.txt").read_text()           # and page-*.png

For users who insist on the host's TeX, ``host_tex_env`` and ``latexmk_command`` give the same
kpathsea settings and no rc files; that still runs model-written TeX as the user (pdflatex and
its fonts tools are then the only barrier).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sandbox.base import Limits, SandboxJob

#: What one compile may use: latexmk runs pdflatex and bibtex a few times.
PAPER_LIMITS = Limits(timeout_s=180, memory_mb=1024, cpus=1, pids=64,
                      output_bytes=2_000_000, file_size_mb=256, disk_mb=1024,
                      result_mb=1024, result_files=10_000, result_depth=16)
#: What reading one PDF may use.
PDF_LIMITS = PAPER_LIMITS.model_copy(update={"timeout_s": 60})
LATEXMK_OPTIONS = ("-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def tex_hardening_env(tmp: Path) -> dict[str, str]:
    """kpathsea in paranoid mode, with its caches and configuration under ``tmp``."""
    return {"TEXMFVAR": str(tmp / "texmf-var"), "TEXMFCONFIG": str(tmp / "texmf-config"),
            "TEXMFHOME": str(tmp / "texmf-home"),
            "openin_any": "p", "openout_any": "p", "shell_escape": "f"}


def host_tex_env(tmp: Path) -> dict[str, str]:
    """A whole environment for running TeX on the host: nothing of the host's but PATH.

    ``HOME`` is ``tmp`` (no rc files or keys from the real home), TeX's caches live there too.
    Pass it as ``env=`` (not merged into ``os.environ``):

        >>> subprocess.run(latexmk_command(), cwd=paper_dir, env=host_tex_env(tmp))
    """
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp),
            "LANG": "C.UTF-8", **tex_hardening_env(tmp)}


def latexmk_command(main: str = "template.tex", jobname: str = "paper") -> list[str]:
    """latexmk without rc files (a ``latexmkrc`` is Perl), pdflatex, stop at the first error."""
    _check_name(main, ".tex")
    _check_name(jobname, "")
    return ["latexmk", "-norc", *LATEXMK_OPTIONS, f"-jobname={jobname}", main]


def latex_job(folder: Path, *, main: str = "template.tex", jobname: str = "paper",
              image: str | None = None, limits: Limits = PAPER_LIMITS,
              labels: dict[str, str] | None = None) -> SandboxJob:
    """Compile ``folder/main`` to ``folder/<jobname>.pdf`` in the paper image.

    The folder's files (and ``<jobname>.log``) come back like any job's results; an ``ok``
    verdict means latexmk exited 0 and the PDF exists.
    """
    return SandboxJob(workdir=folder, command=latexmk_command(main, jobname),
                      image=image or _paper_image(), limits=limits,
                      labels={"idea": "paper", **(labels or {})},
                      expected_files=[f"{jobname}.pdf"])


#: A texlua script (LuaTeX's PDF reader, in the paper image): the optional-content layers
#: (OCGs) a PDF hides by default, one ``off <name>`` line each. Poppler leaves their text out
#: of what it extracts; this says they exist.
HIDDEN_LAYERS_LUA = r"""
local doc = pdfe.open(arg[1])
if not doc or pdfe.getstatus(doc) < 0 then print("unreadable") return end
local catalog = pdfe.getcatalog(doc)
local props = catalog and catalog.OCProperties
local default = props and props.D
local off = default and default.OFF
if not off then return end
for i = 1, math.min(#off, 100) do
  local group = off[i]
  local name = group and group.Name
  print("off " .. (type(name) == "string" and name:gsub("[^%w%s%-_.,]", "?"):sub(1, 80) or "?"))
end
"""
LAYERS_SCRIPT = "hidden_layers.lua"


def pdf_review_job(folder: Path, pdf: str = "paper.pdf", *, text: bool = True, pages: int = 0,
                   dpi: int = 60, layout: bool = False, image: str | None = None,
                   limits: Limits = PDF_LIMITS,
                   labels: dict[str, str] | None = None) -> SandboxJob:
    """Read the untrusted ``folder/pdf`` with poppler in the paper image.

    ``text`` writes ``<stem>.txt`` (``pdftotext -layout``); ``pages`` > 0 writes the first
    ``pages`` pages as ``page-<n>.png`` at ``dpi`` (pdftoppm pads ``n`` with zeros for
    documents of ten pages or more: glob ``page-*.png``). ``layout`` (with ``text``) also
    writes ``<stem>.xml`` (``pdftohtml -xml``: each piece of text a reader can be shown, with
    its page position, font size and colour; text drawn invisible is not in it) and
    ``<stem>.layers`` (the layers the PDF hides by default; the script is written into
    ``folder``): what ``agents.review.hidden_text`` needs to find text a reader cannot see.
    """
    _check_name(pdf, ".pdf")
    if not (text or pages > 0):
        raise ValueError("pdf_review_job: ask for text, pages, or both")
    stem = pdf[: -len(".pdf")]
    steps = (['pdftotext -layout "$1" "$2"'] if text else []) + (
        ['pdftoppm -png -r "$3" -l "$4" "$1" page'] if pages > 0 else [])
    if layout and text:  # extra findings: their failure does not fail the text
        (folder / LAYERS_SCRIPT).write_text(HIDDEN_LAYERS_LUA, encoding="utf-8")
        steps.append('{ pdftohtml -xml -i -q -zoom 1 -stdout "$1" > "$5"; '
                     'texlua "$6" "$1" > "$7"; true; }')
    # sh gets the names as positional parameters: nothing from them is parsed as shell.
    command = ["sh", "-c", " && ".join(steps), "sh", pdf, f"{stem}.txt", str(int(dpi)),
               str(int(pages)), f"{stem}.xml", LAYERS_SCRIPT, f"{stem}.layers"]
    return SandboxJob(workdir=folder, command=command, image=image or _paper_image(),
                      limits=limits, labels={"idea": "pdf-review", **(labels or {})},
                      expected_files=[f"{stem}.txt"] if text else [])


def _check_name(name: str, suffix: str) -> None:
    """A plain file name: no path, no option-like leading dash, no shell or TeX specials."""
    if not (_SAFE_NAME.fullmatch(name) and name.endswith(suffix)):
        raise ValueError(f"not a plain {suffix or 'job'} name: {name!r}")


def _paper_image() -> str:
    from sandbox import images  # the docker SDK only where a Docker job is built

    return images.paper_image_tag()
