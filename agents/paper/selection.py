"""What a paper discloses about how its result was chosen, generated from the run files.

Three blocks, written by the program (never by the writer model, so never edited by it):

- before the results table, the selection paragraph: where the reported numbers come from
  (the held-out test data, measured once for the variant chosen as the best of N on
  validation), how many comparisons the correction counts, and whether the result confirms
  the plan fixed before the data;
- a limitations paragraph when the run had any (no grader, no test split, the host backend);
- an appendix table of every variant tried: node, change, validation metric, verdict, role.
"""

from __future__ import annotations

import re

from agents.domain import IdeaOutcome, Selection
from agents.paper.facts import Fact, FactSheet
from agents.paper.numbers import LOCK_BEGIN
from agents.tex import latex_escape, tex_number

MAX_CHANGE = 70


def selection_facts(sheet: FactSheet, sel: Selection) -> None:
    """What a paper may also say: each variant's validation value, and the counts of the
    selection (variants tried, variants that ran, comparisons corrected over)."""
    sheet.validation_metric = sel.metric
    if sel.baseline is not None:
        sheet.facts.append(Fact(sel.baseline, 0, None, sel.metric, "primary"))
        sheet.validation[0] = sel.baseline
    for row in sel.tried:
        if row.validation is None:
            continue
        sheet.facts.append(Fact(row.validation, row.node, None, sel.metric, "primary"))
        sheet.validation[row.node] = row.validation
        sheet.descriptions.setdefault(row.node, row.description)
        if sel.baseline is not None:
            sheet.facts.append(Fact(row.validation - sel.baseline, row.node, None, sel.metric,
                                    "difference"))
        sheet.run_aliases.setdefault(row.node, [f"node {row.node}", f"run {row.node}"])
    sheet.counts |= {sel.n_tried, sel.n_ran, sel.family}


def _role(row_role: str, tested: set[int], node: int) -> str:
    if node in tested:
        return {"chosen": "chosen (confirmatory)", "ablation": "ablation (planned)",
                "replication": "replication (planned)"}.get(row_role, row_role)
    return "exploratory" if row_role == "exploratory" else f"{row_role} (exploratory)"


def selection_paragraph(outcome: IdeaOutcome) -> str:
    sel = outcome.selection
    if sel is None:
        return ""
    metric = latex_escape(sel.metric)
    tested = [t for t in sel.test if t.run.ok]
    lines = [r"\paragraph{How the reported result was chosen.}"]
    if sel.test_metric and tested and outcome.primary_metric == sel.test_metric:
        extra = [t.role for t in tested if t.role in ("ablation", "replication")]
        also = f", its {' and '.join(sorted(set(extra)))}" if extra else ""
        lines.append(
            f"The numbers in Table~\\ref{{tab:results}} are from held-out test data that no "
            f"variant saw during the search: the variant reported is the "
            f"{latex_escape(sel.rule)} by {metric}, and it, the baseline{also} were each "
            f"evaluated on the test data once, in a separate sandbox job.")
    else:
        lines.append(
            f"The variants were chosen and are reported on the same data "
            f"({latex_escape(sel.rule)} by {metric}): the reported differences are biased in "
            f"their favour, since the best of several noisy measurements is optimistic.")
    lines.append(
        f"Every comparison with the baseline is Holm-corrected over {sel.family} comparisons: "
        f"every variant that ran times every group, not only the variants reported here "
        f"(all are listed in Appendix~\\ref{{app:variants}}).")
    if sel.plan is not None:
        plan = sel.plan
        lines.append(
            f"The plan of the experiment (hypothesis, primary metric, direction, comparisons "
            f"and seeds) was fixed before its first run (sha256 "
            f"\\texttt{{{plan.sha256[:12]}}}" + (", unchanged since" if plan.intact else
                                                   ", but the file has changed since") + "). "
            f"Against its decision rule the result is \\textbf{{{plan.verdict}}}: "
            f"{latex_escape(plan.why)}. Every other comparison is exploratory.")
    return "\n".join(lines)


def limitations(sel: Selection) -> str:
    if not sel.warnings:
        return ""
    items = "\n".join(rf"\item {latex_escape(w[:1].upper() + w[1:])}." for w in sel.warnings)
    return "\n".join([r"\paragraph{Limitations of the measurement.}", r"\begin{itemize}", items,
                      r"\end{itemize}"])


def variants_appendix(outcome: IdeaOutcome) -> str:
    sel = outcome.selection
    if sel is None:
        return ""
    tested = {t.node for t in sel.test if t.run.ok}
    better = "lower" if sel.lower_is_better else "higher"
    base = tex_number(sel.baseline) if sel.baseline is not None else "--"
    rows = [rf"0 & -- & baseline & the unmodified template & {base} & ok & -- & reference \\"]
    for row in sel.tried:
        change = row.description if len(row.description) <= MAX_CHANGE else \
            row.description[:MAX_CHANGE - 3] + "..."
        value = tex_number(row.validation) if row.validation is not None else "--"
        sig = (f"+{row.significant_better}" if row.significant_better else "") + \
              (f" -{row.significant_worse}" if row.significant_worse else "")
        rows.append(" & ".join([
            str(row.node), "--" if row.parent is None else str(row.parent),
            latex_escape(row.kind), latex_escape(change), value, latex_escape(row.verdict),
            sig.strip() or "0", latex_escape(_role(row.role, tested, row.node))]) + r" \\")
    caption = (f"Every variant tried for this idea ({sel.n_tried}; {sel.n_ran} ran), with "
               f"{latex_escape(sel.metric)} on the validation data (mean over groups, {better} "
               f"is better), the number of groups where it differs significantly from the "
               f"baseline (Holm over {sel.family} comparisons; + better, - worse) and its role. "
               f"Only the rows marked planned or confirmatory were evaluated on test data.")
    grader = (f"The template's grader ({latex_escape(sel.grader)}) was protected: edits to it "
              f"were refused and every job's copy was checked against the template's."
              if sel.grader else "The template declares no grader.")
    return "\n".join([
        r"\clearpage", r"\appendix", r"\section{Every variant tried}", r"\label{app:variants}",
        grader, "", r"\begin{table}[h]", r"\centering", rf"\caption{{{caption}}}",
        r"\resizebox{\linewidth}{!}{%", r"\begin{tabular}{rrllrlll}", r"\toprule",
        r"Node & Parent & Kind & Change & Validation & Verdict & Signif. & Role \\",
        r"\midrule", *rows, r"\bottomrule", r"\end{tabular}}", r"\end{table}"])


def add_selection(source: str, outcome: IdeaOutcome) -> str:
    """The paper with the selection paragraph, limitations and appendix in place."""
    sel = outcome.selection
    if sel is None:
        return source
    before_table = "\n\n".join(p for p in (selection_paragraph(outcome), limitations(sel)) if p)
    at = source.find(LOCK_BEGIN)
    if at >= 0 and before_table:
        source = source[:at] + before_table + "\n\n" + source[at:]
    appendix = variants_appendix(outcome)
    end = list(re.finditer(r"^\\end\{document\}", source, re.MULTILINE))
    if appendix and end:
        source = source[:end[-1].start()] + appendix + "\n\n" + source[end[-1].start():]
    return source
