"""Does the template's LaTeX skeleton compile in the paper image? Which .sty does it miss?

The skeleton (``latex/template.tex`` with its style files) is compiled once, as it is, in a
container of the paper image (``sandbox.tex``: the same hardening as papers get). Figures the
skeleton names but does not ship (AI-Scientist skeletons show the baseline's plots) get a blank
placeholder in the throw-away copy, and a bibliography it names but does not ship (the writer
writes references.bib) an empty one, so what is reported is what a paper would miss: a package
(``algorithm.sty``), a class or a bibliography style.

    >>> check_skeleton(Path("templates/tiny_mlp")).ok
    True
"""

from __future__ import annotations

import re
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from sandbox import SandboxError

MAIN = "template.tex"
MISSING_FILE = re.compile(r"! LaTeX Error: File `([^']+)' not found")
BIBLIOGRAPHY = re.compile(r"\\bibliography\s*\{([^}]+)\}")
GRAPHIC = re.compile(r"\\includegraphics\s*(?:\[[^\]]*\])?\s*\{([^}]+)\}")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
COPY_CAP_BYTES = 50_000_000


class SkeletonCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    compiled: bool | None  # None: not tried (no paper image, no Docker)
    missing: list[str] = []  # .sty/.cls/.bst files TeX could not find
    detail: str = ""  # the first error, or why it was not tried

    @property
    def ok(self) -> bool:
        return bool(self.compiled)


def missing_files(log: str) -> list[str]:
    """The files a LaTeX log says were not found, in order."""
    return list(dict.fromkeys(MISSING_FILE.findall(log)))


def first_error(log: str) -> str:
    line = next((ln for ln in log.splitlines() if ln.startswith("!") or ": LaTeX Error" in ln
                 or re.match(r"^\S+\.tex:\d+: ", ln)), "")
    return line.strip()[:200]


def check_skeleton(folder: Path) -> SkeletonCheck:
    """Compile ``folder/latex/template.tex`` once in the paper image."""
    latex = folder / "latex"
    if not (latex / MAIN).is_file():
        return SkeletonCheck(compiled=False, detail="there is no latex/template.tex")
    try:
        from sandbox import images
        from sandbox import DockerSandbox
        from sandbox import latex_job

        tag = images.paper_image_tag()
        box = DockerSandbox(tag)
        box.preflight()
    except SandboxError as exc:
        return SkeletonCheck(compiled=None, detail=f"not compiled: {exc}")
    with tempfile.TemporaryDirectory(prefix="aisci-skeleton-") as tmp:
        work = Path(tmp) / "latex"
        _copy_plain(latex, work)
        _placeholders(work)
        result = box.run(latex_job(work, image=tag, labels={"idea": "template-check"}))
        log_path = work / "paper.log"
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    missing = missing_files(log + "\n" + result.stdout_tail + result.stderr_tail)
    if result.ok:
        return SkeletonCheck(compiled=True)
    detail = first_error(log) or result.feedback()[:200]
    return SkeletonCheck(compiled=False, missing=missing, detail=detail)


def _copy_plain(src: Path, dest: Path) -> None:
    """Regular files only (no links, nothing hidden, within a size cap): the folder is untrusted."""
    total = 0
    dest.mkdir(parents=True)
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_symlink() or any(p.startswith(".") for p in rel.parts) or not path.is_file():
            continue
        total += path.stat().st_size
        if total > COPY_CAP_BYTES:
            break
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)


def _placeholders(work: Path) -> None:
    """A blank PNG for each figure the skeleton names and does not ship, and an empty .bib for
    a bibliography it names (a paper gets the writer's references.bib)."""
    text = (work / MAIN).read_text(encoding="utf-8", errors="replace")
    for names in BIBLIOGRAPHY.findall(text):
        for name in (n.strip() for n in names.split(",")):
            bib = f"{name}.bib" if not name.endswith(".bib") else name
            if SAFE_NAME.fullmatch(bib) and not (work / bib).exists():
                (work / bib).write_text("", encoding="utf-8")
    for name in dict.fromkeys(GRAPHIC.findall(text)):
        name = name.strip()
        candidates = [name] if Path(name).suffix else [f"{name}.png"]
        target = work / candidates[0]
        if SAFE_NAME.fullmatch(candidates[0]) and not target.exists() and \
                target.suffix.lower() == ".png":
            target.write_bytes(blank_png())


def blank_png(size: int = 8) -> bytes:
    """A small white PNG (grayscale, 8 bits)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xff" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))
