"""One idea's section of report.html: its grader warnings, runs, search tree, notes, plots,
papers with their integrity checks, and reviews (every version of each).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.domain import Idea
from agents.report.calls import idea_calls_link
from agents.report.html_parts import (
    as_list,
    bullets,
    escape,
    href,
    last_number,
    num,
    read_json,
    read_text,
    table,
)
from agents.report.markdown import markdown
from agents.report.tree import tree_of


def _integrity(folder: Path) -> str:
    """What the number and claim checks found in the final paper."""
    record = read_json(folder / "paper.json")
    checks = record.get("integrity") if isinstance(record, dict) else None
    if not isinstance(checks, dict):
        return ""
    problems = [*as_list(checks.get("unverified")), *as_list(checks.get("claims")),
                *as_list(checks.get("findings")), *as_list(checks.get("typeset")),
                *as_list(checks.get("from_draft"))]
    if not checks.get("table_intact", True):
        problems.append("the results table does not match the run files")
    verdict = ('<span class="ok">passed</span>' if not problems
               else '<span class="bad">failed</span>')
    lines = [f"<p>Integrity check: {verdict} ({num(checks.get('numbers_checked'))} numbers "
             f"checked).</p>"]
    if problems:
        lines.append(bullets(problems))
    removed = as_list(checks.get("removed"))
    if removed:
        lines.append(f'<p class="muted">Taken out before publishing:</p>{bullets(removed)}')
    return "\n".join(lines)



def idea_section(run_dir: Path, name: str, ideas: list[Idea]) -> str:
    folder = run_dir / "ideas" / name
    idea = next((i for i in ideas if i.name == name), None)
    parts = [f'<h2 id="{escape(name)}">{escape(idea.title if idea is not None else name)} '
             f'<span class="muted">({escape(name)})</span></h2>', idea_calls_link(run_dir, name)]
    parts += grader_warnings(read_json(folder / "outcome.json"))
    runs = [r for r in as_list(read_json(folder / "runs.json")) if isinstance(r, dict)]
    if runs:
        parts += ["<h3>Runs</h3>", _runs_table(folder, runs)]
    parts.append(tree_of(folder, read_json))
    notes = read_text(folder / "notes.md")
    if notes.startswith("# "):  # its title repeats the section's heading
        notes = notes.partition("\n")[2]
    if notes.strip():
        parts += ["<h3>Notes</h3>", markdown(notes)]
    plots = sorted((folder / "plots").glob("*.png"))
    if plots:
        figures = "".join(
            f'<figure><a href="{href(p, run_dir)}" title="open full size">'
            f'<img src="{href(p, run_dir)}" alt="{escape(p.stem)}"></a>'
            f"<figcaption>{escape(p.name)} (click for full size)</figcaption></figure>" for p in plots)
        parts += ["<h3>Plots</h3>", f'<div class="plots">{figures}</div>']
    revised = sorted(folder.glob("paper_v*/paper.pdf"), key=lambda p: last_number(p.parent.name))
    papers = [p for p in [folder / "paper" / "paper.pdf", *revised] if p.is_file()]
    if papers:
        links = " · ".join(f'<a href="{href(p, run_dir)}">{escape(p.parent.name)}/paper.pdf</a>'
                           for p in papers)
        parts += ["<h3>Paper</h3>", f"<p>{links}</p>"]
    parts += [_integrity(paper_dir) for paper_dir in
              [folder / "paper", *sorted(folder.glob("paper_v*"), key=lambda p: last_number(p.name))]]
    for reviews in [folder / "reviews",
                    *sorted(folder.glob("reviews_v*"), key=lambda p: last_number(p.name))]:
        parts.append(_reviews(reviews))
    return "\n".join(p for p in parts if p)


def grader_warnings(outcome: Any) -> list[str]:
    """The limits of the measurement (no grader, no test split, the host backend), shown
    first in the idea's section."""
    selection = outcome.get("selection") if isinstance(outcome, dict) else None
    warnings = selection.get("warnings") if isinstance(selection, dict) else None
    return [f'<p class="warning">⚠ {escape(w)}</p>' for w in as_list(warnings) if isinstance(w, str)]


def _runs_table(folder: Path, runs: list[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        index = r.get("index")
        diff = r.get("diff") or read_text(folder / "code" / f"run_{index}.diff")
        detail = (f"<details><summary>diff</summary><pre>{escape(diff)}</pre></details>"
                  if diff else "")
        if r.get("feedback") and r.get("verdict") != "ok":
            detail += f"<details><summary>feedback</summary><pre>{escape(r['feedback'])}</pre></details>"
        verdict = str(r.get("verdict", "?"))
        rows.append((f"run_{escape(index)}", escape(r.get("description")),
                     f'<span class="{"ok" if verdict == "ok" else "bad"}">{escape(verdict)}</span>',
                     num(r.get("primary")), num(r.get("attempts")), detail))
    return table(["run", "change", "verdict", "primary", "attempts", ""], rows)


def _reviews(folder: Path) -> str:
    reviews = sorted(folder.glob("review_*.json"), key=lambda p: last_number(p.stem))
    meta = read_json(folder / "meta_review.json")
    if not reviews and not isinstance(meta, dict):
        return ""
    parts = [f"<h3>Reviews <span class=\"muted\">({escape(folder.name)})</span></h3>"]
    if isinstance(meta, dict):
        decision = str(meta.get("decision", "?"))
        parts.append(f'<p>Meta-review: <span class="{escape(decision)}">{escape(decision)}</span>, '
                     f"mean overall {num(meta.get('mean_overall'))}. {escape(meta.get('summary', ''))}</p>")
    scores = ("soundness", "presentation", "contribution", "overall", "confidence")
    for path in reviews:
        review = read_json(path)
        if not isinstance(review, dict):
            continue
        decision = str(review.get("decision", "?"))
        marks = ", ".join(f"{k} {escape(review.get(k))}" for k in scores if k in review)
        parts.append(
            f'<div class="review"><p><b>{escape(path.stem)}</b>: '
            f'<span class="{escape(decision)}">{escape(decision)}</span> ({marks})</p>'
            f"<p>{escape(review.get('summary', ''))}</p>"
            + "".join(f"<p><b>{label}</b></p>{bullets(review.get(key))}"
                      for key, label in (("strengths", "Strengths"), ("weaknesses", "Weaknesses"))
                      if review.get(key))
            + "</div>")
    return "\n".join(parts)
