"""Figures checked before the paper is written.

Every PNG that plot.py wrote is first checked by the program: a PNG file (its signature), an
IHDR header with a width and a height above zero, an IEND chunk at the end (not truncated).
A file that fails is never shown to a model, nor put in a paper. The others are checked by the
writer's model, one figure at a time, and each answer is a ``FigureCheck``:

- a model that sees images (``RunSettings.vision``; ``None``: when litellm's
  ``supports_vision`` says so, never for the offline model, which reads only text) gets the
  image with the caption and label it will have, and the labels its legend should show;
- a model that cannot see reads plot.py and a description of what it wrote: names, sizes,
  pixel dimensions from the PNG header, identical files, and labels.json.

A model that gives no usable answer leaves the figure ``unchecked``: that is recorded, not
fixed. The program adds what it can see in plot.py itself: a script that never reads
labels.json cannot label its legends (they would say run_1). Problems go back to the coder
(``agents.experiment.plotting``), who redraws the figures.

    >>> read_png(Path("plots/train_loss.png"))            # doctest: +SKIP
    PngFile(name='train_loss.png', size=35210, width=1440, height=384, problem='')
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from agents.domain import ReplyModel, figure_label
from agents.errors import LLMError
from agents.llm import LLMClient
from agents.prompts import Task, bullets, code_block, json_block, render

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHECKS_FILE = "figure_checks.json"
CheckedBy = Literal["program", "vision", "text"]
FigureStatus = Literal["ok", "problems", "unchecked"]


@dataclass(frozen=True)
class PngFile:
    """What the header of one image file says (``problem`` empty: a valid PNG)."""

    name: str
    size: int
    width: int = 0
    height: int = 0
    problem: str = ""


def read_png(path: Path) -> PngFile:
    """The file's PNG header, read as bytes (nothing of it is decoded or run)."""
    size = path.stat().st_size
    if size == 0:
        return PngFile(path.name, 0, problem="the file is empty")
    with path.open("rb") as f:
        head = f.read(24)
        f.seek(max(0, size - 12))
        tail = f.read(12)
    if not head.startswith(PNG_SIGNATURE):
        return PngFile(path.name, size, problem="the file is not a PNG image (no PNG signature)")
    if len(head) < 24 or head[12:16] != b"IHDR" or struct.unpack(">I", head[8:12])[0] != 13:
        return PngFile(path.name, size, problem="the PNG has no IHDR header chunk")
    width, height = struct.unpack(">II", head[16:24])
    if not width or not height:
        return PngFile(path.name, size, width, height,
                       problem=f"the PNG is {width} x {height} pixels: an empty image")
    if tail[4:8] != b"IEND":
        return PngFile(path.name, size, width, height,
                       problem="the PNG is truncated (it does not end with an IEND chunk)")
    return PngFile(path.name, size, width, height)


class FigureCheck(ReplyModel):
    """A model's verdict on one figure."""

    ok: bool
    problems: list[str]

    @classmethod
    def example(cls) -> Self:
        # About a figure of another study: a check that copies it is a copy (agents.llm.copies)
        return cls(ok=False, problems=["In warmup_curves.png the y axis of the CIFAR-10 panel "
                                       "has no label: add plt.ylabel(\"validation loss\")."])


class FigureVerdict(BaseModel):
    file: str  # relative to the idea folder (plots/x.png)
    status: FigureStatus
    problems: list[str] = Field(default_factory=list)
    checked_by: CheckedBy

    @property
    def valid_png(self) -> bool:
        return self.checked_by != "program"


class FigureReport(BaseModel):
    """``plots/figure_checks.json``: every round of checks (the last is final), the fixes."""

    rounds: list[list[FigureVerdict]] = Field(default_factory=list)
    fixes: int = 0
    notes: list[str] = Field(default_factory=list)


def sees_images(llm: LLMClient, vision: bool | None) -> bool:
    """Whether the writer's model is shown the figures: ``vision`` (``--vision``) when set,
    else whether the model takes images."""
    return vision if vision is not None else llm.accepts_images("writer")


def caption_words(name: str) -> str:
    words = Path(name).stem.replace("_", " ")
    return words[:1].upper() + words[1:]


def describe(files: list[PngFile], digests: dict[str, str]) -> str:
    """The files plot.py wrote, one line each, as a reader without the images would want."""
    lines = []
    for f in files:
        same = [g.name for g in files if g.name != f.name and digests.get(g.name) == digests.get(f.name)]
        line = f"- `{f.name}`: {f.width} x {f.height} pixels, {f.size} bytes"
        lines.append(line + (f"; the same image as {', '.join(f'`{s}`' for s in same)}" if same else ""))
    return "\n".join(lines) or "- none"


def _with_image(messages: list[dict[str, Any]], png: Path) -> list[dict[str, Any]]:
    data = base64.b64encode(png.read_bytes()).decode()
    last = messages[-1]
    parts = [{"type": "text", "text": last["content"]},
             {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}]
    return [*messages[:-1], {**last, "content": parts}]


async def check_figures(llm: LLMClient, area: str, vision: bool | None, idea_dir: Path,
                        pngs: list[str]) -> list[FigureVerdict]:
    """One verdict per PNG file (``plots/...``): the program's, then the model's."""
    paths = [idea_dir / rel for rel in pngs]
    headers = [read_png(p) for p in paths]
    valid = [(rel, p, h) for rel, p, h in zip(pngs, paths, headers, strict=True) if not h.problem]
    verdicts = {rel: FigureVerdict(file=rel, status="problems", problems=[h.problem],
                                   checked_by="program")
                for rel, h in zip(pngs, headers, strict=True) if h.problem}
    labels_path = idea_dir / "labels.json"
    labels = json.loads(labels_path.read_text(encoding="utf-8")) if labels_path.is_file() else {}
    digests = {h.name: hashlib.sha256(p.read_bytes()).hexdigest() for _, p, h in valid}
    files = describe([h for _, _, h in valid], digests)
    vision = sees_images(llm, vision)
    code = (idea_dir / "code" / "plot.py").read_text(encoding="utf-8")
    unlabelled = legend_problem(code, labels)
    for rel, path, header in valid:
        task = Task.CHECK_FIGURE if vision else Task.CHECK_FIGURE_CODE
        messages: list[dict[str, Any]] = render(task, area=area, file=header.name, files=files,
                          labels=json_block(labels), code=code_block("plot.py", code),
                          label=figure_label(path.stem),
                          caption=caption_words(header.name),
                          pixels=f"{header.width} x {header.height}")
        if vision:
            messages = _with_image(messages, path)
        try:
            check = await llm.structured("writer", task, messages, FigureCheck)
        except LLMError as exc:
            verdicts[rel] = FigureVerdict(
                file=rel, status="problems" if unlabelled else "unchecked",
                problems=[unlabelled] if unlabelled else [str(exc)[:300]],
                checked_by="vision" if vision else "text")
            continue
        problems = [p.strip() for p in check.problems if p.strip()]
        if unlabelled:
            problems.append(unlabelled)
        verdicts[rel] = FigureVerdict(file=rel, status="problems" if problems else "ok",
                                      problems=problems, checked_by="vision" if vision else "text")
    return [verdicts[rel] for rel in pngs]


def legend_problem(code: str, labels: dict[str, str]) -> str:
    """The program's own check of plot.py: a script that never reads labels.json cannot put
    the runs' labels in its legends (they would say run_1). Empty when there is no problem."""
    if not labels or "labels.json" in code:
        return ""
    return ("plot.py never reads labels.json, so its legends show folder names (run_1) instead "
            "of the runs' labels: load labels.json and label every run with its entry")


def figure_feedback(verdicts: list[FigureVerdict]) -> str:
    """The problems of the figures, for the coder's fix of plot.py."""
    return bullets(f"{Path(v.file).name}: {p}" for v in verdicts if v.status == "problems"
                   for p in v.problems)
