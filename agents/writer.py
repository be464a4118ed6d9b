"""The writer agent: fill the template's LaTeX skeleton section by section from the real runs.

The model writes prose; the program inserts what must not be retyped: the results table (from
the run files), the figures (from the idea's plots) and the bibliography (from the literature
sources). Every draft is checked (numbers, references) and sent back for a bounded number of
refinement rounds; what is still wrong is recorded in the paper's ``problems``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from agents.citations import Citation, citations_for
from agents.context import RunContext
from agents.integrity import allowed_numbers, check_numbers, check_references
from agents.latex import compile_pdf
from agents.latex import latex_escape as tex
from agents.llm.prompt_blocks import block
from agents.models import IdeaOutcome, Paper, SectionReply
from agents.prompts import render
from agents.run_folder import atomic_write_text

SECTIONS = ("Abstract", "Introduction", "Related Work", "Background", "Method",
            "Experimental Setup", "Results", "Conclusion")
CHECKED_SECTIONS = {"Abstract", "Results", "Conclusion"}
REFINE_ROUNDS = 2
FIX_ROUNDS = 2


def results_payload(ctx: RunContext, outcome: IdeaOutcome) -> dict[str, Any]:
    t = ctx.template
    ok = [r for r in outcome.runs if r.verdict == "ok"]
    return {
        "primary_metric": t.primary_metric, "lower_is_better": t.lower_is_better,
        "baseline": {"description": "Baseline", "final_info": ok[0].final_info if ok else {}},
        "runs": [{"index": r.index, "description": r.description, "verdict": r.verdict,
                  "final_info": r.final_info} for r in outcome.runs if r.index > 0],
    }


def results_table(ctx: RunContext, outcome: IdeaOutcome) -> str:
    """A booktabs table of the primary metric per group and run, straight from the run files."""
    metric = ctx.template.primary_metric
    runs = [r for r in outcome.runs if r.verdict == "ok" and r.final_info]
    groups = [g for g, v in (runs[0].final_info or {}).items() if isinstance(v, dict)] if runs else []
    header = " & ".join(["Run"] + [tex(g) for g in groups]) + r" \\"
    rows = []
    for r in runs:
        cells = [tex(r.description if r.index else "Baseline")]
        for g in groups:
            entry: Any = (r.final_info or {}).get(g, {})
            means, errs = entry.get("means", {}), entry.get("stderrs", {})
            value = means.get(metric) if isinstance(means, dict) else means
            err = errs.get(metric) if isinstance(errs, dict) else None
            pm = f" $\\pm$ {err}" if err is not None else ""
            cells.append("--" if value is None else f"{value}{pm}")
        rows.append(" & ".join(cells) + r" \\")
    better = "lower" if ctx.template.lower_is_better else "higher"
    return "\n".join([
        r"\begin{table}[t]", r"\centering",
        rf"\caption{{{tex(metric)} per group ({better} is better; mean $\pm$ standard error over seeds).}}",
        r"\label{tab:results}", rf"\begin{{tabular}}{{l{'c' * len(groups)}}}", r"\toprule",
        header, r"\midrule", *rows, r"\bottomrule", r"\end{tabular}", r"\end{table}"])


def figures_block(paper_dir: Path, idea_dir: Path, plots: list[str]) -> tuple[str, list[dict[str, str]]]:
    parts, figures = [], []
    for rel in plots:
        src = idea_dir / rel
        if not src.exists():
            continue
        shutil.copy2(src, paper_dir / src.name)
        label = "fig:" + re.sub(r"[^a-z0-9]+", "_", src.stem.lower())
        caption = f"{src.stem.replace('_', ' ').capitalize()} for the baseline and every run."
        figures.append({"file": src.name, "label": label, "caption": caption})
        parts.append("\n".join([r"\begin{figure}[t]", r"\centering",
                                rf"\includegraphics[width=\linewidth]{{{src.name}}}",
                                rf"\caption{{{tex(caption)}}}", rf"\label{{{label}}}",
                                r"\end{figure}"]))
    return "\n\n".join(parts), figures


async def _draft(ctx: RunContext, section: str, common: dict[str, Any],
                 allowed: list[float]) -> tuple[str, list[str]]:
    messages = render("writer", "write_section", section_name=section,
                      section=block("section", section), **common)
    text = (await ctx.llm.structured("writer", "write_section", messages, SectionReply)).latex
    problems = check_numbers(text, allowed) if section in CHECKED_SECTIONS else []
    for _ in range(REFINE_ROUNDS):
        if not problems:
            break
        messages = render(
            "writer", "refine_section", section_name=section, section=block("section", section),
            draft=block("draft", text),
            problems=block("problems", [{"number": p.number, "problem": p.message()}
                                        for p in problems]),
            results=common["results"])
        text = (await ctx.llm.structured("writer", "refine_section", messages, SectionReply)).latex
        problems = check_numbers(text, allowed) if section in CHECKED_SECTIONS else []
    return text, [f"{section}: {p.message()} ('{p.sentence[:80]}')" for p in problems]


def assemble(skeleton: str, title: str, sections: dict[str, str], has_bib: bool) -> str:
    out = skeleton.replace("TITLE HERE", tex(title))
    out = out.replace("ABSTRACT HERE", sections["Abstract"])
    for name in SECTIONS[1:]:
        out = out.replace(f"{name.upper()} HERE", sections[name])
    if not has_bib:
        out = re.sub(r"^\\bibliography(style)?\{[^}]*\}\s*$", "", out, flags=re.MULTILINE)
    return out


async def write_paper(ctx: RunContext, outcome: IdeaOutcome, version: int = 1,
                      revision_notes: str = "") -> Paper:
    idea, t = outcome.idea, ctx.template
    idea_dir = ctx.run.idea_dir(idea.name)
    paper_dir = idea_dir / ("paper" if version == 1 else f"paper_v{version}")
    shutil.rmtree(paper_dir, ignore_errors=True)
    shutil.copytree(t.path / "latex", paper_dir)
    (paper_dir / "references.bib").unlink(missing_ok=True)
    cites: list[Citation] = citations_for(idea)
    atomic_write_text(paper_dir / "references.bib", "\n".join(c.bibtex for c in cites))
    figures_tex, figures = figures_block(paper_dir, idea_dir, outcome.plots)
    results = results_payload(ctx, outcome)
    allowed = allowed_numbers([r.final_info or {} for r in outcome.runs], idea.experiment)
    common = {
        "topic": block("topic", ctx.settings.topic),
        "idea": block("idea", {**idea.model_dump(include={"name", "title", "experiment"}),
                               **({"revision_notes": revision_notes} if revision_notes else {})}),
        "results": block("results", results),
        "citations": block("citations", [{"key": c.key, "title": c.title, "year": c.year}
                                         for c in cites]),
        "figures": block("figures", figures),
    }
    sections: dict[str, str] = {}
    problems: list[str] = []
    for section in SECTIONS:
        sections[section], found = await _draft(ctx, section, common, allowed)
        problems += found
    sections["Results"] += "\n\n" + results_table(ctx, outcome) + "\n\n" + figures_tex
    skeleton = (paper_dir / "template.tex").read_text(encoding="utf-8")
    source = assemble(skeleton, idea.title, sections, has_bib=bool(cites))
    problems += check_references(source, {c.key for c in cites})
    atomic_write_text(paper_dir / "template.tex", source)
    compiled = compile_pdf(paper_dir)
    for _ in range(FIX_ROUNDS):
        if compiled.ok or compiled.error_line is None:
            break
        where = _section_at(source, compiled.error_line)
        if where is None:
            break
        section = where
        messages = render("writer", "fix_latex", section_name=section,
                          section=block("section", section), draft=block("draft", sections[section]),
                          log=block("log", compiled.log_excerpt))
        sections[section] = (await ctx.llm.structured("writer", "fix_latex", messages,
                                                      SectionReply)).latex
        source = assemble(skeleton, idea.title, sections, has_bib=bool(cites))
        atomic_write_text(paper_dir / "template.tex", source)
        compiled = compile_pdf(paper_dir)
    if not compiled.ok:
        first_line = compiled.log_excerpt.splitlines()[0] if compiled.log_excerpt else ""
        problems.append(f"compile failed: {first_line}")
    ctx.run.event("paper", idea=idea.name, version=version, compiled=compiled.ok,
                  pages=compiled.pages, problems=len(problems))
    return Paper(idea_name=idea.name, version=version,
                 tex_path=str((paper_dir / "template.tex").relative_to(ctx.run.path)),
                 pdf_path=str(compiled.pdf.relative_to(ctx.run.path)) if compiled.pdf else None,
                 pages=compiled.pages, compile_log=compiled.log_excerpt, problems=problems)


def _section_at(source: str, line_no: int) -> str | None:
    """Which section holds a line of the assembled source."""
    current = None
    for i, line in enumerate(source.splitlines(), start=1):
        match = re.match(r"\\section\{([^}]+)\}", line)
        if match and match.group(1) in SECTIONS:
            current = match.group(1)
        elif line.startswith(r"\begin{abstract}"):
            current = "Abstract"
        if i >= line_no:
            return current
    return current
