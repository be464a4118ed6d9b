"""Figures are checked before the paper is written: broken files by the program, the rest by
the writer's model (the offline one reads plot.py and the files' description); a bad figure
goes back to the coder with its problems and is drawn again."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from agents.domain import FiguresChecked
from agents.domain.experiments import ExperimentRun, IdeaOutcome
from agents.domain.ideas import Idea
from agents.experiment.figure_checks import FigureCheck, check_figures, read_png
from agents.experiment.plotting import plot_idea
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.prompts import Task
from agents.workflow.roles import plotter
from tests.support import offline_context

FIX_TASK = Task.FIX_PLOT
LABELS = {"run_0": "Baseline", "run_1": "MOMENTUM = 0.9"}
IDEA = Idea(name="figs", title="Figures", experiment="Change MOMENTUM to 0.9.",
            interestingness=5, feasibility=9, novelty=4)

#: A PNG writer in plain Python, for plot scripts that run in the sandbox without matplotlib.
PNG_WRITER = '''import json, struct, zlib

def png(path, width, height):
    raw = b"".join(b"\\x00" + b"\\x20\\x40\\x80" * width for _ in range(height))
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

labels = json.load(open("labels.json"))  # legend(), xlabel(), ylabel() of a real plot
'''


def png_bytes(width: int, height: int) -> bytes:
    raw = b"".join(b"\x00" + b"\x20\x40\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "empty"), (b"GIF89a not a png at all", "not a PNG"),
    (png_bytes(64, 48)[:-12], "truncated"),
    (png_bytes(64, 48)[:16] + struct.pack(">II", 0, 48) + png_bytes(64, 48)[24:], "0 x 48 pixels")])
def test_a_broken_png_is_flagged(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "figure.png"
    path.write_bytes(content)
    assert problem in read_png(path).problem


def test_a_good_png_passes_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "figure.png"
    path.write_bytes(png_bytes(640, 480))
    header = read_png(path)
    assert (header.problem, header.width, header.height) == ("", 640, 480)


def _idea(tmp_path: Path, plot_py: str, figures: dict[str, bytes], **settings: Any) -> Any:
    ctx = offline_context(tmp_path, **settings)
    idea_dir = ctx.run.idea_dir(IDEA.name)
    (idea_dir / "code").mkdir(parents=True)
    (idea_dir / "code" / "plot.py").write_text(plot_py)
    (idea_dir / "labels.json").write_text(json.dumps(LABELS))
    (idea_dir / "plots").mkdir()
    for name, content in figures.items():
        (idea_dir / "plots" / name).write_bytes(content)
    return ctx, idea_dir


def _check(ctx: Any, idea_dir: Path, names: list[str]) -> dict[str, Any]:
    verdicts = asyncio.run(check_figures(ctx.llm, "small networks", ctx.settings.vision, idea_dir,
                                         [f"plots/{n}" for n in names]))
    return {v.file.removeprefix("plots/"): v for v in verdicts}


def test_the_offline_model_checks_what_it_can_tell_without_seeing(tmp_path: Path) -> None:
    good = PNG_WRITER + "png('curves.png', 640, 480)\n"
    ctx, idea_dir = _idea(tmp_path, good, {"curves.png": png_bytes(640, 480),
                                           "tiny.png": png_bytes(8, 8), "broken.png": b"\x89PNG"})
    verdicts = _check(ctx, idea_dir, ["curves.png", "tiny.png", "broken.png"])
    assert verdicts["curves.png"].status == "ok" and verdicts["curves.png"].checked_by == "text"
    assert "too small to read" in verdicts["tiny.png"].problems[0]
    broken = verdicts["broken.png"]
    assert broken.checked_by == "program" and "not a PNG" in broken.problems[0]

    careless = "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('curves.png')\n"
    (idea_dir / "code" / "plot.py").write_text(careless)
    problems = " ".join(_check(ctx, idea_dir, ["curves.png"])["curves.png"].problems)
    assert "does not read labels.json" in problems and "no legend" in problems
    assert "no axis labels" in problems


def test_a_model_that_sees_gets_the_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, idea_dir = _idea(tmp_path, PNG_WRITER, {"curves.png": png_bytes(640, 480)}, vision=True)
    seen: list[list[dict[str, Any]]] = []

    async def structured(role: str, task: str, messages: list[dict[str, Any]], schema: Any) -> Any:
        seen.append(messages)
        return FigureCheck(ok=False, problems=["The y axis has no label."])

    monkeypatch.setattr(ctx.llm, "structured", structured)
    verdict = _check(ctx, idea_dir, ["curves.png"])["curves.png"]
    assert verdict.checked_by == "vision" and verdict.problems == ["The y axis has no label."]
    parts = seen[0][-1]["content"]
    assert "# Task: check a figure" in parts[0]["text"] and "MOMENTUM = 0.9" in parts[0]["text"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_a_plot_script_that_never_reads_the_labels_is_a_problem_whatever_the_model_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    careless = ("import matplotlib.pyplot as plt\nplt.plot([1, 2], label='run_1')\nplt.legend()\n"
                "plt.savefig('curves.png')\n")
    ctx, idea_dir = _idea(tmp_path, careless, {"curves.png": png_bytes(640, 480)})

    async def satisfied(role: str, task: str, messages: Any, schema: Any) -> Any:
        return FigureCheck(ok=True, problems=[])

    monkeypatch.setattr(ctx.llm, "structured", satisfied)
    verdict = _check(ctx, idea_dir, ["curves.png"])["curves.png"]
    assert verdict.status == "problems" and "never reads labels.json" in verdict.problems[0]
    (idea_dir / "code" / "plot.py").write_text(PNG_WRITER + "png('curves.png', 640, 480)\n")
    assert _check(ctx, idea_dir, ["curves.png"])["curves.png"].status == "ok"


def _plotting(tmp_path: Path, plot_py: str, **settings: Any) -> tuple[Any, Path, IdeaOutcome]:
    ctx, idea_dir = _idea(tmp_path, plot_py, {}, **settings)
    (idea_dir / "run_0").mkdir()
    (idea_dir / "run_0" / "final_info.json").write_text('{"g": {"means": {"m": 1.0}}}')
    outcome = IdeaOutcome(idea=IDEA, status="done", primary_metric="m",
                          runs=[ExperimentRun(index=0, description="Baseline", verdict="ok")])
    return ctx, idea_dir, outcome


BROKEN_PLOT = PNG_WRITER + "png('curves.png', 640, 480)\nopen('bars.png', 'wb').close()\n"


def test_a_figure_found_bad_is_drawn_again_with_its_problems(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def coder(asked: Asked) -> str:
        prompt = asked.prompt
        prompts.append(prompt)
        return ("plot.py\n<<<<<<< SEARCH\nopen('bars.png', 'wb').close()\n=======\n"
                "png('bars.png', 320, 240)\n>>>>>>> REPLACE\n")

    monkeypatch.setitem(offline_model.HANDLERS, FIX_TASK, coder)
    ctx, idea_dir, outcome = _plotting(tmp_path, BROKEN_PLOT)
    plotted = asyncio.run(plot_idea(plotter(ctx), outcome))

    assert len(prompts) == 1 and "bars.png: the file is empty" in prompts[0]
    assert "a check of its figures found these problems" in prompts[0]
    assert plotted.plots == ["plots/bars.png", "plots/curves.png"] and not plotted.plot_notes
    assert read_png(idea_dir / "plots" / "bars.png").width == 320
    report = json.loads((idea_dir / "plots" / "figure_checks.json").read_text())
    assert report["fixes"] == 1 and len(report["rounds"]) == 2
    assert [v["status"] for v in report["rounds"][-1]] == ["ok", "ok"]
    checks = [e for e in ctx.run.events() if isinstance(e, FiguresChecked)]
    assert [e.bad for e in checks] == [1, 0]


def test_a_figure_that_stays_bad_is_a_note_and_left_out(tmp_path: Path) -> None:
    ctx, idea_dir, outcome = _plotting(tmp_path, BROKEN_PLOT)  # the offline coder says DONE
    plotted = asyncio.run(plot_idea(plotter(ctx), outcome))
    assert plotted.plots == ["plots/curves.png"]
    assert plotted.plot_notes == ["figure plots/bars.png: the file is empty"]
    report = json.loads((idea_dir / "plots" / "figure_checks.json").read_text())
    assert report["fixes"] == 0 and "could not be redrawn" in report["notes"][0]
