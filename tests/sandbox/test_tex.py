"""TeX and PDF jobs: the commands they run, the hardening they carry, and (with TeX on the
host or the paper image) that a payload reading /proc/self/environ gets nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sandbox import SandboxJob, images
from sandbox.docker import DockerSandbox
from sandbox.tex import (
    PAPER_LIMITS,
    host_tex_env,
    latex_job,
    latexmk_command,
    pdf_review_job,
)

CANARY = "sk-aisci-tex-canary-1234"
ENVIRON_DOC = r"""\documentclass{article}
\begin{document}
\IfFileExists{/proc/self/environ}{\input{/proc/self/environ}}{\mbox{ENVBLOCKED}}
\end{document}
"""


def test_latex_job_runs_latexmk_without_rc_files_in_the_paper_image(tmp_path: Path) -> None:
    job = latex_job(tmp_path)
    assert job.command == ["latexmk", "-norc", "-pdf", "-interaction=nonstopmode",
                           "-halt-on-error", "-file-line-error", "-jobname=paper", "template.tex"]
    assert job.image == images.paper_image_tag() and job.expected_files == ["paper.pdf"]
    assert job.limits == PAPER_LIMITS
    assert (PAPER_LIMITS.timeout_s, PAPER_LIMITS.memory_mb, PAPER_LIMITS.cpus) == (180, 1024, 1)


def test_pdf_review_passes_names_as_arguments_not_shell(tmp_path: Path) -> None:
    job = pdf_review_job(tmp_path, "paper.pdf", pages=3, dpi=60)
    assert job.command[:2] == ["sh", "-c"] and "paper.pdf" not in job.command[2]
    assert job.command[3:] == ["sh", "paper.pdf", "paper.txt", "60", "3", "paper.xml",
                               "hidden_layers.lua", "paper.layers"]
    assert job.expected_files == ["paper.txt"]


@pytest.mark.parametrize("name", ["../x.pdf", "/etc/x.pdf", "-x.pdf", "a b.pdf", "x;rm.pdf",
                                  "x.tex", "$(id).pdf"])
def test_unsafe_file_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        pdf_review_job(tmp_path, name)
    with pytest.raises(ValueError):
        latexmk_command(name.replace(".pdf", ".tex") if name != "x.tex" else "x.pdf")


def test_host_env_is_a_cleared_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    env = host_tex_env(tmp_path)
    assert set(env) == {"PATH", "HOME", "LANG", "TEXMFVAR", "TEXMFCONFIG", "TEXMFHOME",
                        "openin_any", "openout_any", "shell_escape"}
    assert env["HOME"] == str(tmp_path) and env["TEXMFVAR"].startswith(str(tmp_path))
    assert (env["openin_any"], env["openout_any"], env["shell_escape"]) == ("p", "p", "f")
    assert CANARY not in "".join(env.values())


@pytest.mark.tex
def test_host_tex_reads_no_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("latexmk") is None or shutil.which("pdftotext") is None:
        pytest.skip("TeX (latexmk) or poppler is not installed on this machine")
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    paper, home = tmp_path / "paper", tmp_path / "home"
    paper.mkdir()
    home.mkdir()
    (paper / "template.tex").write_text(ENVIRON_DOC)
    (paper / "latexmkrc").write_text('system("touch rc_ran.txt");\n')
    proc = subprocess.run(latexmk_command(), cwd=paper, env=host_tex_env(home),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:]
    text = subprocess.run(["pdftotext", "paper.pdf", "-"], cwd=paper, capture_output=True,
                          text=True, check=True).stdout
    log = (paper / "paper.log").read_text(errors="replace")
    assert "ENVBLOCKED" in text and not (paper / "rc_ran.txt").exists()
    assert CANARY not in text + log + proc.stdout + proc.stderr
    assert os.environ["OPENAI_API_KEY"] == CANARY  # the host really had it


@pytest.mark.docker
def test_the_paper_image_compiles_and_reads_a_paper(docker_sandbox: DockerSandbox,
                                                    paper_image: str, tmp_path: Path) -> None:
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "template.tex").write_text(r"""\documentclass{article}
\usepackage{natbib,booktabs,fancyhdr,graphicx,amsmath,hyperref}
\begin{document}
\title{Sandboxed}\maketitle
Compiled in the paper image. \IfFileExists{/etc/passwd}{\input{/etc/passwd}}{\mbox{ABSBLOCKED}}
\end{document}
""")
    result = docker_sandbox.run(latex_job(paper, image=paper_image))
    assert result.verdict == "ok", result.stdout_tail[-2000:]
    review = tmp_path / "review"
    review.mkdir()
    shutil.copyfile(paper / "paper.pdf", review / "paper.pdf")
    read = docker_sandbox.run(pdf_review_job(review, "paper.pdf", pages=1, image=paper_image))
    assert read.verdict == "ok", read.detail
    text = (review / "paper.txt").read_text()
    assert "Compiled in the paper image." in text and "ABSBLOCKED" in text
    assert [p.name for p in review.glob("page-*.png")] == ["page-1.png"]


@pytest.mark.docker
def test_the_paper_image_typesets_t1_text_in_type1_fonts(docker_sandbox: DockerSandbox,
                                                         paper_image: str, tmp_path: Path) -> None:
    """T1-encoded text (``fontenc``, as the paper skeletons load it) in scalable Type 1 fonts
    (cm-super): without them pdflatex ran METAFONT for each size in every compile (seconds per
    paper) and embedded bitmap Type 3 fonts, which venues refuse."""
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "template.tex").write_text(r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\begin{document}
\title{Type One}\maketitle
\section{Body} Plain, \textbf{bold}, \emph{italic} and \texttt{typewriter} text.
{\small small} {\footnotesize footnote} {\Large large}
\end{document}
""")
    result = docker_sandbox.run(latex_job(paper, image=paper_image))
    assert result.verdict == "ok", result.stdout_tail[-2000:]
    assert "mktexpk" not in (paper / "paper.log").read_text(errors="replace")
    fonts = docker_sandbox.run(SandboxJob(workdir=paper, command=["pdffonts", "paper.pdf"],
                                          image=paper_image, limits=PAPER_LIMITS))
    assert fonts.verdict == "ok", fonts.detail
    rows = fonts.stdout_tail.splitlines()[2:]
    assert len(rows) >= 5 and all(" Type 1 " in row for row in rows), fonts.stdout_tail
