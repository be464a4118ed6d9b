"""What the writer model is told about the paper it writes, in one stable block.

The block opens every writer prompt (so a local server's prefix cache serves it after the
first section): the title and topic, the idea, the idea's notes (what ran, the results with
their intervals, the significance tests, the failures), the code changes, the figures and the
papers to cite, with their abstracts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from agents.domain import IdeaOutcome
from agents.paper.citations import Citation
from agents.paper.statements import statements
from agents.prompts import fenced

MAX_DIFF_LINES = 40
ABSTRACT_CHARS = 400
_PROMPTS = Path(__file__).resolve().parents[1] / "prompts" / "writer"


@dataclass(frozen=True)
class Figure:
    file: str
    label: str
    caption: str


@cache
def section_guidance() -> dict[str, str]:
    """Per-section advice, from ``prompts/writer/section_guidance.md`` (one ``##`` each)."""
    text = (_PROMPTS / "section_guidance.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def _demoted(markdown: str) -> str:
    """Headings one level down, so they nest under the context's own."""
    return re.sub(r"^(#+) ", r"#\1 ", markdown, flags=re.MULTILINE)


def _diffs(outcome: IdeaOutcome) -> str:
    shown = []
    for run in outcome.successful_runs:
        lines = run.diff.splitlines()
        if not lines:
            continue
        cut = lines[:MAX_DIFF_LINES] + (["[...]"] if len(lines) > MAX_DIFF_LINES else [])
        shown.append(f"Run {run.index} ({run.description}):\n" + fenced("\n".join(cut), "diff"))
    return "\n\n".join(shown) or "No code was changed."


def writer_context(*, topic: str, outcome: IdeaOutcome, notes: str, figures: list[Figure],
                   citations: list[Citation], revision_notes: str = "") -> str:
    idea = outcome.idea
    figure_lines = [f"- Figure~\\ref{{{f.label}}} ({f.file}): {f.caption}" for f in figures]
    cite_lines = []
    for c in citations:
        abstract = f" {c.abstract[:ABSTRACT_CHARS]}" if c.abstract else ""
        cite_lines.append(f"- key `{c.key}`: {c.title} ({c.year or 'n.d.'}).{abstract}")
    parts = [
        f"# The paper\n\nTitle: {idea.title}\nResearch topic: {topic}",
        f"## The idea\n\n{idea.experiment}",
        "## The notes of the experiment\n\n" + _demoted(notes.split("\n", 1)[-1].strip()),
        "## What the results allow you to say (true sentences: copy their wording, numbers, "
        "direction and significance)\n\n" + statements(outcome),
        "## The code changes (against the unmodified template)\n\n" + _diffs(outcome),
        "## Figures (inserted by the program after the Results section)\n\n"
        + ("\n".join(figure_lines) or "No figures."),
        "## Papers to cite\n\n" + ("\n".join(cite_lines) or "No papers (the literature search "
                                                            "found none to cite)."),
    ]
    if revision_notes:
        parts.append("## What the reviewers asked for in this revision\n\n" + revision_notes)
    return "\n\n".join(parts)
