"""The first screen of report.html: what a researcher came for, before any detail.

The topic and how the run stands; the best idea's best variant against the baseline on the
primary metric, per group, with mean, 95 % interval, n and the test (all from the run's
statistics: stats.json and outcome.json, never recomputed); the reviewers' decision; links to
the paper, the figures and the model-call records. Every value is escaped.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from agents.domain import MetricStats
from agents.report.summary import GroupLine, IdeaSummary, RunSummary

ANSWER_CSS = """
.answer{border:1px solid #d0d7de;border-radius:8px;padding:.4em 1.2em 1em;background:#fafbfc}
.answer h2{border:0;margin-top:.6em}.live{background:#fff8c5;border:1px solid #d4a72c;
  border-radius:6px;padding:.5em .8em}.verdict{font-size:1.1em}
.links a{margin-right:1em;display:inline-block}td.sig.yes{color:#0a7d28;font-weight:600}
td.sig.no{color:#555;font-weight:400}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _href(path: Path, root: Path) -> str:
    return _e(quote(path.relative_to(root).as_posix()))


def fmt(value: float | None) -> str:
    """How the answer prints a statistic (the browser test formats stats.json the same way)."""
    return "-" if value is None else f"{value:.4g}"


def interval(stats: MetricStats | None) -> str:
    if stats is None or stats.ci_low is None or stats.ci_high is None:
        return "-"
    return f"[{fmt(stats.ci_low)}, {fmt(stats.ci_high)}]"


def live_banner(summary: RunSummary, *, stage: str | None, refresh_s: int) -> str:
    now = datetime.now(UTC).strftime("%H:%M:%S UTC")
    where = f" (now: {_e(stage)})" if stage else ""
    return (f'<p class="live">This run is still going{where}. The page was written at {now} and '
            f"reloads itself every {refresh_s} s while the run goes on.</p>")


def answer_section(summary: RunSummary) -> str:
    """The headline block, or a line saying why there is none yet."""
    h = summary.header
    facts = [f"status: <b>{_e(h.status.replace('_', ' '))}</b>"]
    if h.wall_s is not None:
        facts.append(f"{h.wall_s:.0f} s")
    if summary.cost_usd is not None:
        facts.append(f"${summary.cost_usd:.4f}" + (" (notional: offline model)" if summary.notional else ""))
    parts = ['<section class="answer" id="answer">', "<h2>The answer</h2>",
             f'<p class="muted">{" · ".join(facts)}</p>']
    found = summary.winner()
    if found is None:
        parts.append("<p>No idea has a finished variant with a result yet.</p>")
    else:
        parts += _winner(summary, *found)
    parts.append(_links(summary, found[0] if found else None))
    parts.append("</section>")
    return "\n".join(parts)


def _winner(summary: RunSummary, idea: IdeaSummary, run: Any) -> list[str]:
    lines = idea.lines(run)
    base = idea.baseline
    direction = "lower" if idea.lower_is_better else "higher"
    better = [line for line in lines if line.comparison is not None and line.comparison.better]
    significant = [line for line in better if line.comparison is not None and line.comparison.significant]
    tested = [line for line in lines if line.comparison is not None]
    if tested:
        verdict = (f"better than the baseline in {len(better)} of {len(tested)} groups, "
                   f"<b>significantly in {len(significant)}</b> (Welch's t-test, Holm-corrected, "
                   f"α = 0.05)")
    else:
        verdict = "not tested against the baseline (one seed, or no baseline)"
    out = [f'<p class="verdict">Best idea: <b>{_e(idea.title or idea.name)}</b> '
           f'(<a href="#{_e(idea.name)}"><code>{_e(idea.name)}</code></a>), variant '
           f"run_{_e(run.index)} <i>{_e(run.description)}</i>: {_e(idea.primary_metric)} "
           f'<b class="primary">{fmt(run.primary)}</b> against the baseline\'s '
           f"{fmt(base.primary if base else None)} (mean over groups; {direction} is better); "
           f"{verdict}.</p>"]
    if idea.held_out:  # the numbers above are the held-out test's, not the search's
        out.append(f'<p class="muted">These are held-out test results, run once for the variant '
                   f"chosen and the baseline: {_e(idea.held_out)}. Each variant's validation "
                   f"results are in its idea's section.</p>")
    if lines:
        out.append(_headline_table(lines))
    review = idea.last_review
    if review is not None:
        scores = ", ".join(str(s) for s in review.overall)
        out.append(f'<p>Reviewers (paper v{review.version}): <span class="{_e(review.decision)}">'
                   f"{_e(review.decision)}</span>, mean overall {review.mean_overall:.2f} of 10 "
                   f"(scores {_e(scores)}; accept at 6 or more).</p>")
    else:
        out.append('<p class="muted">No review of this idea\'s paper yet.</p>')
    return out


def _headline_table(lines: list[GroupLine]) -> str:
    head = ("<tr><th>group</th><th>baseline mean</th><th>95 % interval</th><th>variant mean</th>"
            "<th>95 % interval</th><th>n</th><th>difference</th><th>p (Holm)</th>"
            "<th>significant</th></tr>")
    rows = []
    for line in lines:
        c = line.comparison
        sig = "-" if c is None or c.p_adjusted is None else ("yes" if c.significant else "no")
        rows.append(
            f'<tr class="headline" data-group="{_e(line.group)}"><td>{_e(line.group)}</td>'
            f'<td class="num base-mean">{fmt(line.baseline.mean if line.baseline else None)}</td>'
            f'<td class="base-ci">{interval(line.baseline)}</td>'
            f'<td class="num mean">{fmt(line.variant.mean)}</td>'
            f'<td class="ci">{interval(line.variant)}</td><td class="num n">{line.variant.n}</td>'
            f'<td class="num diff">{"-" if c is None else f"{c.difference:+.4g}"}</td>'
            f'<td class="num p">{fmt(c.p_adjusted if c else None)}</td>'
            f'<td class="sig {"yes" if sig == "yes" else "no" if sig == "no" else ""}">{sig}</td></tr>')
    return f'<table class="headline">{head}{"".join(rows)}</table>'


def _links(summary: RunSummary, idea: IdeaSummary | None) -> str:
    root = summary.path
    links = []
    if idea is not None:
        links += [f'<a href="{_href(p, root)}">paper ({_e(p.parent.name)}, PDF)</a>'
                  for p in idea.papers[-1:]]
        links += [f'<a href="{_href(p, root)}">figure: {_e(p.stem)}</a>'
                  for p in sorted((root / "ideas" / idea.name / "plots").glob("*.png"))]
    for name, label in (("transcripts", "model-call transcripts"),
                        ("events.jsonl", "every model call and job (events.jsonl)")):
        if (root / name).exists():
            links.append(f'<a href="{_e(quote(name))}">{label}</a>')
    return f'<p class="links">{"".join(links)}</p>' if links else ""
