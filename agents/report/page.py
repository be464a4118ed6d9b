"""report.html: one static page that shows a whole run, built from the run folder's files.

The page starts with the answer (``report_answer``), then a contents list, then one section
after another (each idea's: ``report_idea``); the run's metadata comes last. ``SECTIONS`` is
that order: a section is a function of the run (``Page``) that returns its HTML, or "" when it
has nothing to show, so a new section is one entry in the list. The page is self-contained
(inline CSS, no script, nothing fetched from the network) and links to the run's own files by
relative paths (plots, papers), so it works when opened from the run folder. Every value from
the run is escaped. Missing or unreadable files are simply not shown, so a partial or failed
run gets a partial page. While a run goes on the page is rewritten after every stage, says so,
and reloads itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from agents.domain import EventBase, Idea, NodeEnd, RunResume, RunStart
from agents.report.answer import ANSWER_CSS, answer_section, live_banner
from agents.report.calls import CALLS_CSS, calls_link, calls_section
from agents.report.guard import guard as _guard
from agents.report.guard import run_record as _run_record
from agents.report.html_parts import bullets, escape, num, read_json, table, yes_no
from agents.report.idea import idea_section
from agents.report.summary import RunSummary, load_summary, read_ideas
from agents.report.tree import TREE_CSS
from agents.run import atomic_write_text, read_events

if TYPE_CHECKING:
    from agents.run import RunRecord

REPORT_NAME = "report.html"
_IDEA_NAME = re.compile(r"[a-z0-9_]{1,64}")
#: How often a live page reloads itself (seconds).
REFRESH_S = 10

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;
  padding:1.5em;color:#1d1d1f;background:#fff}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.5em}table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f3f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:13px}
code{background:#f3f3f5;padding:0 .2em}.muted{color:#666}
.ok,.accept,.yes{color:#0a7d28;font-weight:600}.reject,.no,.bad{color:#b3261e;font-weight:600}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,440px),1fr));gap:1em}
.plots figure{margin:0}.plots img{width:100%;height:auto;border:1px solid #ddd}
.review{border-left:4px solid #ccc;padding-left:1em;margin:1em 0}
table{display:block;max-width:100%;overflow-x:auto}nav.toc ol{columns:2 16em;margin:.3em 0}
@media (max-width:600px){body{padding:.7em;font-size:14px}th,td{padding:.2em .35em}}
"""


@dataclass(frozen=True)
class Page:
    """What every section reads: the run folder, its run.json and ideas.json through their
    validating readers (``run`` None: no readable run.json; an idea that is not one is left
    out), and the typed summary of its results (``agents.report.summary``)."""

    run_dir: Path
    run: RunRecord | None
    ideas: list[Idea]
    summary: RunSummary


class Section(NamedTuple):
    """One part of the page: ``title`` (None: not in the contents list) and its renderer."""

    key: str
    title: str | None
    render: Callable[[Page], str]


def write_report(run_dir: Path, *, live: bool = False, stage: str | None = None) -> Path:
    """Build ``run_dir/report.html`` from the run folder and return its path. ``live``: the run
    is still going (at ``stage``): the page says so and reloads itself.

    Example::

        from pathlib import Path
        from agents.report.page import write_report

        page = write_report(Path("runs/20250101-120000_momentum_in_small_networks"))
        print(page)  # runs/.../report.html: open it in a browser
    """
    run, problem = _run_record(run_dir)
    page = Page(run_dir=run_dir, run=run, ideas=read_ideas(run_dir), summary=load_summary(run_dir))
    topic = run.topic if run is not None else run_dir.name
    title = f"aisci: {topic}"
    rendered = [(section, _guard(section.render, page)) for section in SECTIONS]
    shown = [(section, part) for section, part in rendered if part]
    entries: list[tuple[str, str]] = []
    for section, part in shown:
        if section.title:
            entries.append((section.key, escape(section.title)))
        else:  # a section without a title of its own lists its headings (one per idea)
            entries += [(html.unescape(key), re.sub(r"<[^>]+>", "", text))
                        for key, text in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', part)]
    toc = "".join(f'<li><a href="#{escape(key)}">{text}</a></li>' for key, text in entries)
    body = [f"<h1>{escape(topic)}</h1>", problem]
    if live:
        body.append(live_banner(page.summary, stage=stage, refresh_s=REFRESH_S))
    for section, part in shown:
        if section.key == "answer":
            body += [part, f'<nav class="toc"><b>Contents</b><ol>{toc}</ol></nav>']
        elif section.title:
            body.append(f'<section id="{escape(section.key)}">{part}</section>')
        else:
            body.append(part)
    refresh = f'<meta http-equiv="refresh" content="{REFRESH_S}">' if live else ""
    html_page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 '<meta name="viewport" content="width=device-width, initial-scale=1">'
                 f"{refresh}<title>{escape(title)}</title>"
                 f"<style>{_CSS}{TREE_CSS}{ANSWER_CSS}{CALLS_CSS}</style></head>\n<body>\n"
                 + "\n".join(part for part in body if part) + "\n</body></html>\n")
    target = run_dir / REPORT_NAME
    atomic_write_text(target, html_page)
    return target


# ---- sections ------------------------------------------------------------------------------


def _metadata_section(page: Page) -> str:
    run = page.run
    if run is None:
        return ""
    rows: list[tuple[str, Any]] = [("run", run.id), ("topic", run.topic),
                                   ("template", run.template), ("status", run.status.value)]
    if run.sandbox:
        rows.append(("sandbox", run.sandbox.get("backend")))
    rows += [(f"model ({role})", m.model) for role, m in run.run_settings.models_by_role().items()]
    rows += [("started", run.timings.started), ("finished", run.timings.finished),
             ("wall time (s)", run.timings.wall_s)]
    if run.versions:
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in run.versions.items())))
    return "<h2>Run details</h2>" + table(
        ["", ""], [(k, escape(v)) for k, v in rows if v not in (None, "")], header=False)


def _failures_section(page: Page) -> str:
    failures = page.run.failures if page.run is not None else []
    if not failures:
        return ""
    rows = [(escape(f.stage), escape(f.idea or "-"), escape(f.reason)) for f in failures]
    return "<h2>What failed</h2>" + table(["stage", "idea", "reason"], rows)


def _ideas_section(page: Page) -> str:
    ideas = page.ideas
    if not ideas:
        return ""
    rows = []
    for idea in ideas:
        verdict = idea.novelty_verdict
        novel = "?" if verdict is None else ("yes" if verdict.novel else "no")
        scores = [idea.interestingness, idea.feasibility, idea.novelty]
        closest = (bullets(verdict.closest) if verdict is not None else "") or "-"
        rows.append((f"<a href=\"#{escape(idea.name)}\"><code>{escape(idea.name)}</code></a>"
                     f"<br>{escape(idea.title)}",
                     *[num(s) for s in scores], num(idea.score),
                     f'<span class="{novel}">{novel}</span>',
                     yes_no(idea.selected),
                     closest + (f'<p class="muted">{escape(verdict.reason)}</p>'
                                if verdict is not None and verdict.reason else "")))
    head = ["idea", "interest", "feasibility", "novelty", "score", "novel", "selected",
            "closest papers"]
    rounds = max((i.round for i in ideas), default=1)
    said = (f'<p class="muted">{rounds} rounds of ideas: a new round is proposed when no idea '
            f'of the earlier ones is judged novel.</p>') if rounds > 1 else ""
    return "<h2>Ideas</h2>" + said + table(head, rows)


def _cost_section(page: Page) -> str:
    cost = read_json(page.run_dir / "cost.json")
    if not isinstance(cost, dict):
        return ""
    rows = []
    for group in ("total", "by_stage", "by_role", "by_model"):
        lines = {"all": cost.get(group)} if group == "total" else cost.get(group)
        if not isinstance(lines, dict):
            continue
        for key, line in lines.items():
            if isinstance(line, dict):
                usd = line.get("cost_usd")
                rows.append((escape(group.removeprefix("by_")), escape(key), num(line.get("calls")),
                             num(line.get("prompt_tokens")), num(line.get("completion_tokens")),
                             num(f"{usd:.4f}" if isinstance(usd, int | float) else usd)))
    note = ('<p class="muted">Notional prices of the offline model: no money was spent.</p>'
            if cost.get("notional") else "")
    head = ["group", "", "calls", "prompt tokens", "completion tokens", "cost (USD)"]
    return "<h2>Cost</h2>" + note + table(head, rows)


def _timing_section(page: Page) -> str:
    stages = stage_seconds(read_events(page.run_dir))
    if not stages:
        return ""
    rows = [(escape(stage), num(f"{s:.2f}")) for stage, s in stages.items()]
    if page.run is not None:
        rows.append(("<b>run (wall)</b>", num(page.run.timings.wall_s)))
    return "<h2>Timings</h2>" + table(["stage", "seconds"], rows)


def stage_seconds(events: Iterable[EventBase]) -> dict[str, float]:
    """Wall seconds per stage: each node_end counts from the previous boundary (a node_end or the
    start of the process), so parallel experiment nodes add up to the stage's span, not more."""
    out: dict[str, float] = {}
    last: float | None = None
    for event in events:
        if isinstance(event, RunStart | RunResume):
            last = event.ts
        elif isinstance(event, NodeEnd) and last is not None:
            if not event.node.startswith("__"):
                out[event.node] = round(out.get(event.node, 0.0) + event.ts - last, 3)
            last = event.ts
    return out


def _idea_sections(page: Page) -> str:
    return "\n".join(_guard(idea_section, page.run_dir, name, page.ideas)
                     for name in _idea_names(page.run_dir, page.ideas))


#: The page, in order. The answer comes first (the contents list follows it), metadata last.
SECTIONS: list[Section] = [
    Section("answer", None, lambda page: answer_section(page.summary)),
    Section("calls-link", None, lambda page: calls_link(page.run_dir)),
    Section("failures", "What failed", _failures_section),
    Section("ideas", "Ideas", _ideas_section),
    Section("experiments", None, _idea_sections),
    Section("cost", "Cost", _cost_section),
    Section("timings", "Timings", _timing_section),
    Section("calls", None, lambda page: calls_section(page.run_dir)),
    Section("metadata", "Run details", _metadata_section),
]


# ---- helpers -------------------------------------------------------------------------------


def _idea_names(run_dir: Path, ideas: list[Idea]) -> list[str]:
    """Ideas with a folder: in ideas.json's order, then any others by name."""
    folders = {p.name for p in (run_dir / "ideas").iterdir()
               if p.is_dir() and not p.is_symlink() and _IDEA_NAME.fullmatch(p.name)} if (
        run_dir / "ideas").is_dir() else set()
    ordered = [i.name for i in ideas if i.name in folders]
    return ordered + sorted(folders - set(ordered))
