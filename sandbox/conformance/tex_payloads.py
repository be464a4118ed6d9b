"""Probes of TeX payloads: model-written LaTeX compiled in the paper image reads no secret,
runs no shell, writes nothing outside its folder, and latexmk runs no rc file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sandbox.base import Sandbox
from sandbox.conformance.core import CANARY_KEY, Outcome, behaviour, brief, verdict
from sandbox.tex import PDF_LIMITS, latex_job, latexmk_command, pdf_review_job

_ENVIRON_BARE = r"""\documentclass{article}
\begin{document}
Start. \input{/proc/self/environ} End.
\end{document}
"""
_ENVIRON_QUIET = r"""\documentclass{article}
\newread\probe
\begin{document}
Probe start.
\IfFileExists{/proc/self/environ}{\input{/proc/self/environ}}{\mbox{ENVBLOCKED}}

\IfFileExists{../../../../proc/self/environ}{\input{../../../../proc/self/environ}}{\mbox{UPBLOCKED}}

\openin\probe=/proc/1/environ
\ifeof\probe \mbox{OPENINBLOCKED}\else\read\probe to\probeline \detokenize\expandafter{\probeline}\fi
\closein\probe

\IfFileExists{/etc/passwd}{\input{/etc/passwd}}{\mbox{PASSWDBLOCKED}}
Probe end.
\end{document}
"""
#: One document per attempt (each refused write halts its compile); names are prefixed so
#: that no document is named like a file an attempt would create.
_ESCAPES = {
    "esc-shell": r"\immediate\write18{touch shell_ran.txt}"
                 r"\IfFileExists{|touch pipe_ran.txt}{PIPERAN}{PIPEBLOCKED}",
    "esc-up": r"\newwrite\w\immediate\openout\w=../escaped_up.tex\immediate\write\w{x}"
              r"\immediate\closeout\w",
    "esc-dot": r"\newwrite\w\immediate\openout\w=.latexmkrc\immediate\write\w{system('id')}"
               r"\immediate\closeout\w",
    "esc-abs": r"\newwrite\w\immediate\openout\w=/tmp/escaped_abs.tex\immediate\write\w{x}"
               r"\immediate\closeout\w",
}
_RC = 'system("touch rc_ran.txt");\n'


def _environ_markers(text: str) -> list[str]:
    """Traces of an environment block in a log or a PDF's text."""
    return [m for m in (CANARY_KEY, "TEXMFVAR=", "PATH=/", "HOME=/") if m in text]


@behaviour("results", "TeX cannot read the environment or host files (canary key set)")
def tex_cannot_read_secrets(sandbox: Sandbox, tmp: Path) -> Outcome:
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = CANARY_KEY
    try:
        bare = Path(tempfile.mkdtemp(dir=tmp, prefix="tex-"))
        (bare / "template.tex").write_text(_ENVIRON_BARE)
        first = sandbox.run(latex_job(bare).model_copy(
            update={"env": {"OPENAI_API_KEY": CANARY_KEY}}))
        quiet = Path(tempfile.mkdtemp(dir=tmp, prefix="tex-"))
        (quiet / "template.tex").write_text(_ENVIRON_QUIET)
        second = sandbox.run(latex_job(quiet))
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous
    text = ""
    if (quiet / "paper.pdf").is_file():
        review = Path(tempfile.mkdtemp(dir=tmp, prefix="review-"))
        shutil.copyfile(quiet / "paper.pdf", review / "paper.pdf")
        read = sandbox.run(pdf_review_job(review, "paper.pdf", limits=PDF_LIMITS))
        text = (review / "paper.txt").read_text(errors="replace") if read.ok else ""
    seen = first.stdout_tail + first.stderr_tail + second.stdout_tail + second.stderr_tail
    for log in (bare / "paper.log", quiet / "paper.log"):
        seen += log.read_text(errors="replace") if log.is_file() else ""
    blocked = [m for m in ("ENVBLOCKED", "UPBLOCKED", "OPENINBLOCKED", "PASSWDBLOCKED")
               if m in text]
    leaks = _environ_markers(seen + text)
    ok = (first.verdict == "error" and not (bare / "paper.pdf").exists() and second.ok
          and len(blocked) == 4 and not leaks)
    return verdict(ok, f"bare \\input: {first.verdict}; guarded reads: {second.verdict}, "
                       f"blocked {blocked}; environment traces: {leaks}; "
                       f"PDF text: {brief(text.strip(), 200)}")


@behaviour("results", "TeX runs no shell, writes only inside its folder, latexmk reads no rc")
def tex_cannot_escape(sandbox: Sandbox, tmp: Path) -> Outcome:
    folder = Path(tempfile.mkdtemp(dir=tmp, prefix="tex-"))
    for name, body in _ESCAPES.items():
        (folder / f"{name}.tex").write_text(
            "\\documentclass{article}\n\\begin{document}\n" + body + "\nx\n\\end{document}\n")
    (folder / "latexmkrc").write_text(_RC)
    (folder / ".latexmkrc").write_text(_RC)
    runs = "; ".join(" ".join(latexmk_command(f"{n}.tex", n)) + " >/dev/null 2>&1"
                     for n in _ESCAPES)
    job = latex_job(folder).model_copy(update={"command": ["sh", "-c", runs + "; true"],
                                               "expected_files": []})
    result = sandbox.run(job)
    logs = {n: (folder / f"{n}.log").read_text(errors="replace")
            for n in _ESCAPES if (folder / f"{n}.log").is_file()}
    ran = [f for f in ("shell_ran.txt", "pipe_ran.txt", "rc_ran.txt", "escaped_up.tex",
                       "escaped_abs.tex") if any(folder.rglob(f)) or (tmp / f).exists()]
    refused = [n for n in ("esc-up", "esc-dot", "esc-abs")
               if "I can't write on file" in logs.get(n, "")]
    shell_off = "runsystem(touch shell_ran.txt)...disabled" in logs.get("esc-shell", "")
    ok = (result.ok and len(logs) == 4 and not ran and len(refused) == 3 and shell_off
          and (folder / ".latexmkrc").read_text() == _RC)
    return verdict(ok, f"{result.verdict}; ran or escaped: {ran}; writes refused: {refused}; "
                       f"shell escape disabled: {shell_off}; {result.detail}")
