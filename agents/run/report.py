"""report.html: one static page that shows a whole run, built from the run folder's files.

The page starts with the answer (``report_answer``), then a contents list, then one section
after another; the run's metadata comes last. ``SECTIONS`` is that order: a section is a
function of the run (``Page``) that returns its HTML, or "" when it has nothing to show, so a
new section is one entry in the list. The page is self-contained (inline CSS, no script,
nothing fetched from the network) and links to the run's own files by relative paths (plots,
papers), so it works when opened from the run folder. Every value from the run is escaped.
Missing or unreadable files are simply not shown, so a partial or failed run gets a partial
page. While a run goes on the page is rewritten after every stage, says so, and reloads itself.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from agents.run.folder import atomic_write_text
from agents.run.report_answer import ANSWER_CSS, answer_section, live_banner
from agents.run.report_calls import CALLS_CSS, calls_link, calls_section, idea_calls_link
from agents.run.report_guard import guard as _guard
from agents.run.report_guard import run_record as _run_record
from agents.run.report_markdown import markdown
from agents.run.report_tree import TREE_CSS, tree_of
from agents.run.safe_files import read_regular
from agents.run.summary import RunSummary, load_summary

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
    """What every section reads: the run folder, its run.json and ideas.json as read (both
    untrusted dicts), and the typed summary of its results (``agents.run.summary``)."""

    run_dir: Path
    run: dict[str, Any]
    ideas: list[dict[str, Any]]
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
        from agents.run.report import write_report

        page = write_report(Path("runs/20250101-120000_momentum_in_small_networks"))
        print(page)  # runs/.../report.html: open it in a browser
    """
    run, problem = _run_record(run_dir)
    ideas = [i for i in _as_list(_json(run_dir / "ideas.json")) if isinstance(i, dict)]
    page = Page(run_dir=run_dir, run=run, ideas=ideas, summary=load_summary(run_dir))
    title = f"aisci: {run.get('topic') or run_dir.name}"
    rendered = [(section, _guard(section.render, page)) for section in SECTIONS]
    shown = [(section, part) for section, part in rendered if part]
    entries: list[tuple[str, str]] = []
    for section, part in shown:
        if section.title:
            entries.append((section.key, _e(section.title)))
        else:  # a section without a title of its own lists its headings (one per idea)
            entries += [(html.unescape(key), re.sub(r"<[^>]+>", "", text))
                        for key, text in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', part)]
    toc = "".join(f'<li><a href="#{_e(key)}">{text}</a></li>' for key, text in entries)
    body = [f"<h1>{_e(run.get('topic') or run_dir.name)}</h1>", problem]
    if live:
        body.append(live_banner(page.summary, stage=stage, refresh_s=REFRESH_S))
    for section, part in shown:
        if section.key == "answer":
            body += [part, f'<nav class="toc"><b>Contents</b><ol>{toc}</ol></nav>']
        elif section.title:
            body.append(f'<section id="{_e(section.key)}">{part}</section>')
        else:
            body.append(part)
    refresh = f'<meta http-equiv="refresh" content="{REFRESH_S}">' if live else ""
    html_page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 '<meta name="viewport" content="width=device-width, initial-scale=1">'
                 f"{refresh}<title>{_e(title)}</title>"
                 f"<style>{_CSS}{TREE_CSS}{ANSWER_CSS}{CALLS_CSS}</style></head>\n<body>\n"
                 + "\n".join(part for part in body if part) + "\n</body></html>\n")
    target = run_dir / REPORT_NAME
    atomic_write_text(target, html_page)
    return target


# ---- sections ------------------------------------------------------------------------------


def _metadata_section(page: Page) -> str:
    run_dir, run = page.run_dir, page.run
    rows = [("run", run.get("id", run_dir.name)), ("topic", run.get("topic")),
            ("template", run.get("template")), ("status", run.get("status"))]
    sandbox = run.get("sandbox")
    if isinstance(sandbox, dict):
        rows.append(("sandbox", sandbox.get("backend")))
    models = run.get("models")
    if isinstance(models, dict):
        rows += [(f"model ({role})", m.get("model") if isinstance(m, dict) else m)
                 for role, m in models.items()]
    timings = run.get("timings")
    if isinstance(timings, dict):
        rows += [("started", timings.get("started")), ("finished", timings.get("finished")),
                 ("wall time (s)", timings.get("wall_s"))]
    versions = run.get("versions")
    if isinstance(versions, dict):
        rows.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items())))
    return "<h2>Run details</h2>" + _table(
        ["", ""], [(k, _e(v)) for k, v in rows if v not in (None, "")], header=False)


def _failures_section(page: Page) -> str:
    failures = [f for f in _as_list(page.run.get("failures")) if isinstance(f, dict)]
    if not failures:
        return ""
    rows = [(_e(f.get("stage")), _e(f.get("idea") or "-"), _e(f.get("reason"))) for f in failures]
    return "<h2>What failed</h2>" + _table(["stage", "idea", "reason"], rows)


def _integrity(folder: Path) -> str:
    """What the number and claim checks found in the final paper."""
    record = _json(folder / "paper.json")
    checks = record.get("integrity") if isinstance(record, dict) else None
    if not isinstance(checks, dict):
        return ""
    problems = [*_as_list(checks.get("unverified")), *_as_list(checks.get("claims")),
                *_as_list(checks.get("findings")), *_as_list(checks.get("typeset")),
                *_as_list(checks.get("from_draft"))]
    if not checks.get("table_intact", True):
        problems.append("the results table does not match the run files")
    verdict = ('<span class="ok">passed</span>' if not problems
               else '<span class="bad">failed</span>')
    lines = [f"<p>Integrity check: {verdict} ({_num(checks.get('numbers_checked'))} numbers "
             f"checked).</p>"]
    if problems:
        lines.append(_list(problems))
    removed = _as_list(checks.get("removed"))
    if removed:
        lines.append(f'<p class="muted">Taken out before publishing:</p>{_list(removed)}')
    return "\n".join(lines)


def _ideas_section(page: Page) -> str:
    ideas = page.ideas
    if not ideas:
        return ""
    rows = []
    for idea in ideas:
        verdict = idea.get("novelty_verdict")
        verdict = verdict if isinstance(verdict, dict) else {}
        novel = "?" if not verdict else ("yes" if verdict.get("novel") else "no")
        scores = [idea.get(k) for k in ("interestingness", "feasibility", "novelty")]
        total = sum(s for s in scores if isinstance(s, int))
        closest = _list(verdict.get("closest")) or "-"
        rows.append((f"<a href=\"#{_e(idea.get('name'))}\"><code>{_e(idea.get('name'))}</code></a>"
                     f"<br>{_e(idea.get('title'))}",
                     *[_num(s) for s in scores], _num(total),
                     f'<span class="{novel}">{novel}</span>',
                     _yes_no(bool(idea.get("selected"))),
                     closest + (f'<p class="muted">{_e(verdict["reason"])}</p>'
                                if verdict.get("reason") else "")))
    head = ["idea", "interest", "feasibility", "novelty", "score", "novel", "selected",
            "closest papers"]
    rounds = max((r for i in ideas if isinstance(r := i.get("round", 1), int)), default=1)
    said = (f'<p class="muted">{rounds} rounds of ideas: a new round is proposed when no idea '
            f'of the earlier ones is judged novel.</p>') if rounds > 1 else ""
    return "<h2>Ideas</h2>" + said + _table(head, rows)


def _idea_section(run_dir: Path, name: str, ideas: list[dict[str, Any]]) -> str:
    folder = run_dir / "ideas" / name
    idea = next((i for i in ideas if i.get("name") == name), {})
    parts = [f'<h2 id="{_e(name)}">{_e(idea.get("title") or name)} '
             f'<span class="muted">({_e(name)})</span></h2>', idea_calls_link(run_dir, name)]
    parts += grader_warnings(_json(folder / "outcome.json"))
    runs = [r for r in _as_list(_json(folder / "runs.json")) if isinstance(r, dict)]
    if runs:
        parts += ["<h3>Runs</h3>", _runs_table(folder, runs)]
    parts.append(tree_of(folder, _json))
    notes = _text(folder / "notes.md")
    if notes.startswith("# "):  # its title repeats the section's heading
        notes = notes.partition("\n")[2]
    if notes.strip():
        parts += ["<h3>Notes</h3>", markdown(notes)]
    plots = sorted((folder / "plots").glob("*.png"))
    if plots:
        figures = "".join(
            f'<figure><a href="{_href(p, run_dir)}" title="open full size">'
            f'<img src="{_href(p, run_dir)}" alt="{_e(p.stem)}"></a>'
            f"<figcaption>{_e(p.name)} (click for full size)</figcaption></figure>" for p in plots)
        parts += ["<h3>Plots</h3>", f'<div class="plots">{figures}</div>']
    revised = sorted(folder.glob("paper_v*/paper.pdf"), key=lambda p: _index(p.parent.name))
    papers = [p for p in [folder / "paper" / "paper.pdf", *revised] if p.is_file()]
    if papers:
        links = " · ".join(f'<a href="{_href(p, run_dir)}">{_e(p.parent.name)}/paper.pdf</a>'
                           for p in papers)
        parts += ["<h3>Paper</h3>", f"<p>{links}</p>"]
    parts += [_integrity(paper_dir) for paper_dir in
              [folder / "paper", *sorted(folder.glob("paper_v*"), key=lambda p: _index(p.name))]]
    for reviews in [folder / "reviews", *sorted(folder.glob("reviews_v*"), key=lambda p: _index(p.name))]:
        parts.append(_reviews(reviews))
    return "\n".join(p for p in parts if p)


def grader_warnings(outcome: Any) -> list[str]:
    """The limits of the measurement (no grader, no test split, the host backend), shown
    first in the idea's section."""
    selection = outcome.get("selection") if isinstance(outcome, dict) else None
    warnings = selection.get("warnings") if isinstance(selection, dict) else None
    return [f'<p class="warning">⚠ {_e(w)}</p>' for w in _as_list(warnings) if isinstance(w, str)]


def _runs_table(folder: Path, runs: list[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        index = r.get("index")
        diff = r.get("diff") or _text(folder / "code" / f"run_{index}.diff")
        detail = (f"<details><summary>diff</summary><pre>{_e(diff)}</pre></details>"
                  if diff else "")
        if r.get("feedback") and r.get("verdict") != "ok":
            detail += f"<details><summary>feedback</summary><pre>{_e(r['feedback'])}</pre></details>"
        verdict = str(r.get("verdict", "?"))
        rows.append((f"run_{_e(index)}", _e(r.get("description")),
                     f'<span class="{"ok" if verdict == "ok" else "bad"}">{_e(verdict)}</span>',
                     _num(r.get("primary")), _num(r.get("attempts")), detail))
    return _table(["run", "change", "verdict", "primary", "attempts", ""], rows)


def _reviews(folder: Path) -> str:
    reviews = sorted(folder.glob("review_*.json"), key=lambda p: _index(p.stem))
    meta = _json(folder / "meta_review.json")
    if not reviews and not isinstance(meta, dict):
        return ""
    parts = [f"<h3>Reviews <span class=\"muted\">({_e(folder.name)})</span></h3>"]
    if isinstance(meta, dict):
        decision = str(meta.get("decision", "?"))
        parts.append(f'<p>Meta-review: <span class="{_e(decision)}">{_e(decision)}</span>, '
                     f"mean overall {_num(meta.get('mean_overall'))}. {_e(meta.get('summary', ''))}</p>")
    scores = ("soundness", "presentation", "contribution", "overall", "confidence")
    for path in reviews:
        review = _json(path)
        if not isinstance(review, dict):
            continue
        decision = str(review.get("decision", "?"))
        marks = ", ".join(f"{k} {_e(review.get(k))}" for k in scores if k in review)
        parts.append(
            f'<div class="review"><p><b>{_e(path.stem)}</b>: '
            f'<span class="{_e(decision)}">{_e(decision)}</span> ({marks})</p>'
            f"<p>{_e(review.get('summary', ''))}</p>"
            + "".join(f"<p><b>{label}</b></p>{_list(review.get(key))}"
                      for key, label in (("strengths", "Strengths"), ("weaknesses", "Weaknesses"))
                      if review.get(key))
            + "</div>")
    return "\n".join(parts)


def _cost_section(page: Page) -> str:
    cost = _json(page.run_dir / "cost.json")
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
                rows.append((_e(group.removeprefix("by_")), _e(key), _num(line.get("calls")),
                             _num(line.get("prompt_tokens")), _num(line.get("completion_tokens")),
                             _num(f"{usd:.4f}" if isinstance(usd, int | float) else usd)))
    note = ('<p class="muted">Notional prices of the offline model: no money was spent.</p>'
            if cost.get("notional") else "")
    head = ["group", "", "calls", "prompt tokens", "completion tokens", "cost (USD)"]
    return "<h2>Cost</h2>" + note + _table(head, rows)


def _timing_section(page: Page) -> str:
    run = page.run
    stages = stage_seconds(_events(page.run_dir / "events.jsonl"))
    if not stages:
        return ""
    rows = [(_e(stage), _num(f"{s:.2f}")) for stage, s in stages.items()]
    timings = run.get("timings")
    wall = timings.get("wall_s") if isinstance(timings, dict) else None
    if wall is not None:
        rows.append(("<b>run (wall)</b>", _num(wall)))
    return "<h2>Timings</h2>" + _table(["stage", "seconds"], rows)


def stage_seconds(events: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Wall seconds per stage: each node_end counts from the previous boundary (a node_end or the
    start of the process), so parallel experiment nodes add up to the stage's span, not more."""
    out: dict[str, float] = {}
    last: float | None = None
    for event in events:
        kind, ts = event.get("type"), event.get("ts")
        if not isinstance(ts, int | float):
            continue
        if kind in ("run_start", "run_resume"):
            last = ts
        elif kind == "node_end" and last is not None:
            node = str(event.get("node", "?"))
            if not node.startswith("__") and not event.get("cached"):
                out[node] = round(out.get(node, 0.0) + ts - last, 3)
            last = ts
    return out


def _idea_sections(page: Page) -> str:
    return "\n".join(_guard(_idea_section, page.run_dir, name, page.ideas)
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


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:.4g}"
    return f'<span class="num">{_e("-" if value is None else value)}</span>'


def _yes_no(flag: bool) -> str:
    return f'<span class="{"yes" if flag else "no"}">{"yes" if flag else "no"}</span>'


def _list(values: Any) -> str:
    items = [v for v in _as_list(values) if v not in (None, "")]
    return "<ul>" + "".join(f"<li>{_e(v)}</li>" for v in items) + "</ul>" if items else ""


def _table(head: list[str], rows: Iterable[Iterable[str]], *, header: bool = True,
           escape_head: bool = True) -> str:
    """Cells are HTML already; header cells are escaped unless ``escape_head`` is False."""
    head_html = ("<tr>" + "".join(f"<th>{_e(h) if escape_head else h}</th>" for h in head)
                 + "</tr>") if header else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head_html}{body}</table>" if body or head_html else ""


def _href(path: Path, root: Path) -> str:
    return _e(quote(path.relative_to(root).as_posix()))


def _index(stem: str) -> int:
    digits = re.findall(r"\d+", stem)
    return int(digits[-1]) if digits else 0


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _json(path: Path) -> Any:
    text = read_regular(path)  # never through a link: the page shows no host file
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _text(path: Path) -> str:
    return read_regular(path) or ""


def _events(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in _text(path).splitlines():
        try:
            event = json.loads(line)
        except ValueError:  # a line cut by a crash mid-write
            continue
        if isinstance(event, dict):
            out.append(event)
    return out


def _idea_names(run_dir: Path, ideas: list[dict[str, Any]]) -> list[str]:
    """Ideas with a folder: in ideas.json's order, then any others by name."""
    folders = {p.name for p in (run_dir / "ideas").iterdir()
               if p.is_dir() and not p.is_symlink() and _IDEA_NAME.fullmatch(p.name)} if (
        run_dir / "ideas").is_dir() else set()
    ordered = [str(i.get("name")) for i in ideas if str(i.get("name")) in folders]
    return ordered + sorted(folders - set(ordered))
