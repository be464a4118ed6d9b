"""report.html of a real run opens in headless Chromium with every plot loaded; a screenshot
of the page is saved in the test's temporary folder.

Needs Debian's ``chromium`` package; skips without it, but fails in CI (``CI`` set).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from agents.cli import app
from agents.report.page import write_report
from tests.support import IN_CI, only_run

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
#: Sets each image's natural size into the DOM once the page has loaded (test copy only).
PROBE = """<script>
window.addEventListener("load", () => {
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(Array.from(document.images, (img) => (
    {src: img.getAttribute("src"), width: img.naturalWidth, height: img.naturalHeight})));
  document.body.appendChild(out);
});
</script>"""
MATPLOTLIB_BLUE = (31, 119, 180)  # the first colour of every plot of the run
#: Opens every model call and puts the text the browser renders for each into the DOM.
CALLS_PROBE = """<script>
window.addEventListener("load", () => {
  const calls = Array.from(document.querySelectorAll("details.call"));
  calls.forEach((d) => { d.open = true; });
  const out = document.createElement("pre");
  out.id = "calls-probe";
  out.textContent = JSON.stringify(calls.map((d) => (
    {id: d.dataset.call || null, text: d.innerText, height: d.getBoundingClientRect().height})));
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if IN_CI:
            pytest.fail("CI must run the browser test: install Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs_dir = tmp_path_factory.mktemp("runs")
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--model", "mock", "--sandbox", "local",
        "--runs-dir", str(runs_dir), "--num-ideas", "1", "--reviewers", "1"])
    assert result.exit_code == 0, result.output
    return write_report(only_run(runs_dir))


def chromium(browser: str, profile: Path, page: Path, *args: str) -> str:
    done = subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_report_is_one_static_page(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "the page fetches from the network"
    run = report.parent
    assert json.loads((run / "run.json").read_text())["topic"] in page
    assert 'href="ideas/' in page and "paper/paper.pdf" in page


def test_report_images_load_in_headless_chromium(browser: str, report: Path,
                                                 tmp_path: Path) -> None:
    run = report.parent
    probe = run / "report_probe.html"  # next to report.html, so the relative paths hold
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"),
                     encoding="utf-8")
    dom = chromium(browser, tmp_path / "profile", probe, "--dump-dom",
                   "--virtual-time-budget=10000")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, f"the page did not finish loading: {dom[-1000:]}"
    images: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))

    plots = sorted(run.glob("ideas/*/plots/*.png"))
    assert plots, "the run made no plots"
    assert sorted(i["src"] for i in images) == sorted(p.relative_to(run).as_posix() for p in plots)
    for image in images:
        with Image.open(run / image["src"]) as png:
            assert (image["width"], image["height"]) == png.size, f"{image['src']} did not load"


def test_report_screenshot_shows_the_page_and_its_plots(browser: str, report: Path,
                                                        tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(browser, tmp_path / "profile", report, f"--screenshot={shot}",
             "--window-size=1280,4000", "--virtual-time-budget=10000")
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert shot.stat().st_size > 50_000, "the screenshot is suspiciously small"
    with Image.open(shot) as image:
        assert image.size == (1280, 4000)
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    colours = len(np.unique(pixels @ np.array([1 << 16, 1 << 8, 1])))
    blue = int((np.abs(pixels - np.array(MATPLOTLIB_BLUE)).max(axis=1) <= 12).sum())
    assert colours > 100, "the screenshot is blank"
    assert blue > 1_000, "no plot is visible in the screenshot"


def test_report_of_a_partial_run_shows_what_there_is(report: Path, tmp_path: Path) -> None:
    run = tmp_path / report.parent.name
    shutil.copytree(report.parent, run)
    idea = next((run / "ideas").iterdir())
    shutil.rmtree(idea / "reviews")
    shutil.rmtree(idea / "plots")
    (run / "cost.json").unlink()
    (idea / "runs.json").write_text('[{"index": 0, "descr')  # cut by a crash mid-write
    (run / "ideas.json").write_text(  # a title that is markup; an entry that is no idea
        '[{"name": "x", "title": "<b>x</b>", "experiment": "e", "interestingness": 5, '
        '"feasibility": 5, "novelty": 5}, {"name": "<i>y</i>", "title": null}]')

    page = write_report(run).read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "<i>y</i>" not in page and "&lt;i&gt;y" not in page
    assert "<h2>Cost</h2>" not in page and "<img" not in page and "Reviews" not in page
    assert idea.name in page and "Notes" in page


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_model_calls_prompt_and_reply_show_in_the_browser(browser: str, report: Path,
                                                                tmp_path: Path) -> None:
    from agents.llm.transcripts import read_calls

    run = report.parent
    probe = run / "report_calls_probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", CALLS_PROBE + "</body>"),
                     encoding="utf-8")
    dom = chromium(browser, tmp_path / "profile", probe, "--dump-dom",
                   "--virtual-time-budget=10000")
    found = re.search(r'<pre id="calls-probe">(.*?)</pre>', dom, re.S)
    assert found, f"the page did not finish loading: {dom[-1000:]}"
    shown = {c["id"]: c for c in json.loads(html.unescape(found.group(1)))}
    records = read_calls(run)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    calls = [e for e in events if e["type"] in ("llm_call", "llm_error")]
    assert calls and len(shown) == len(calls) == len(records)
    for call_id, record in records.items():
        rendered = _words(shown[call_id]["text"])
        assert shown[call_id]["height"] > 50, f"call {call_id} is not laid out open"
        assert _words(record.reply or "") in rendered, f"the reply of {record.task} is not shown"
        for message in record.messages:
            if message["role"] != "system":  # shown once, then referred to
                content = message["content"]
                text = content if isinstance(content, str) else "\n".join(
                    str(part.get("text", "")) for part in content)
                assert _words(text) in rendered, (
                    f"a {message['role']} message of {record.task} is not shown")


#: Where the answer block and the page's width end up once laid out (test copy only).
LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const box = (id) => { const r = document.getElementById(id).getBoundingClientRect();
                        return {top: r.top, bottom: r.bottom}; };
  const out = document.createElement("pre");
  out.id = "layout";
  out.textContent = JSON.stringify({answer: box("answer"),
    table: document.querySelector("table.headline").getBoundingClientRect().bottom,
    pageWidth: document.documentElement.scrollWidth, viewport: window.innerWidth});
  document.body.appendChild(out);
});
</script>"""


def winner(run: Path) -> tuple[str, int]:
    """The idea and variant with the best primary value, from the run files (higher is better
    for tiny_mlp's val_accuracy)."""
    best: tuple[float, str, int] | None = None
    for outcome_file in run.glob("ideas/*/outcome.json"):
        outcome = json.loads(outcome_file.read_text())
        assert not outcome["lower_is_better"]
        for r in outcome["runs"]:
            if r["index"] > 0 and r["verdict"] == "ok" and (best is None or r["primary"] > best[0]):
                best = (r["primary"], outcome_file.parent.name, r["index"])
    assert best is not None
    return best[1], best[2]


def test_headline_in_the_browser_equals_stats_json(browser: str, report: Path,
                                                   tmp_path: Path) -> None:
    from agents.report.answer import fmt

    run = report.parent
    dom = html.unescape(chromium(browser, tmp_path / "profile", report, "--dump-dom",
                                 "--virtual-time-budget=5000"))
    idea, index = winner(run)
    answer = dom[dom.index('id="answer"'):dom.index("</section>", dom.index('id="answer"'))]
    assert f"<code>{idea}</code>" in answer and f"run_{index}" in answer
    # tiny_mlp declares a grader and a test metric: the headline gives the held-out test jobs'
    # numbers (their stats.json) and the tests against the baseline's test job (outcome.json)
    folder = run / "ideas" / idea
    outcome = json.loads((folder / "outcome.json").read_text())
    metric = outcome["primary_metric"]
    assert metric == "test_accuracy" and "held-out test results" in answer
    stats = json.loads((folder / "test" / f"test_node_{index}" / "stats.json").read_text())
    base = json.loads((folder / "test" / "test_node_0" / "stats.json").read_text())
    comparisons = next(r for r in outcome["runs"] if r["index"] == index)["stats"]["comparisons"]
    assert comparisons, "the record holds no tests against the baseline"
    rows = re.findall(r'<tr class="headline" data-group="([^"]+)">(.*?)</tr>', answer)
    assert [g for g, _ in rows] == list(stats["groups"])
    for group, row in rows:
        cells = dict(re.findall(r'<td class="(?:num )?([a-z-]+)[^"]*">([^<]*)</td>', row))
        mine, theirs = stats["groups"][group][metric], base["groups"][group][metric]
        test = next(c for c in comparisons if c["group"] == group)
        assert cells["mean"] == fmt(mine["mean"]) and cells["n"] == str(mine["n"])
        assert cells["ci"] == f"[{fmt(mine['ci_low'])}, {fmt(mine['ci_high'])}]"
        assert cells["base-mean"] == fmt(theirs["mean"])
        assert cells["base-ci"] == f"[{fmt(theirs['ci_low'])}, {fmt(theirs['ci_high'])}]"
        assert cells["p"] == fmt(test["p_adjusted"])
        assert cells["sig"] == ("yes" if test["significant"] else "no")
    meta = json.loads((run / "ideas" / idea / "reviews" / "meta_review.json").read_text())
    assert f">{meta['decision']}</span>, mean overall {meta['mean_overall']:.2f}" in answer
    assert 'paper/paper.pdf"' in answer and f'ideas/{idea}/plots/' in answer


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_the_answer_is_the_first_screen_and_the_page_fits(browser: str, report: Path,
                                                          tmp_path: Path, width: int,
                                                          height: int) -> None:
    probe = report.parent / "report_layout.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>"),
                     encoding="utf-8")
    dom = chromium(browser, tmp_path / "profile", probe, "--dump-dom",
                   f"--window-size={width},{height}", "--virtual-time-budget=5000")
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.S)
    assert found, dom[-1000:]
    layout = json.loads(html.unescape(found.group(1)))
    assert layout["answer"]["top"] < 200, layout  # nothing long before the answer
    if width >= 1000:
        assert layout["table"] <= height, f"the headline table is below the first screen: {layout}"
    assert layout["pageWidth"] <= layout["viewport"], f"the page scrolls sideways: {layout}"
    shot = tmp_path / f"report_{width}.png"
    chromium(browser, tmp_path / "profile", report, f"--screenshot={shot}",
             f"--window-size={width},{height}", "--virtual-time-budget=5000")
    assert shot.stat().st_size > 20_000


def test_figures_open_full_size(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    figures = re.findall(r'<a href="([^"]+)" title="open full size"><img src="([^"]+)"', page)
    assert figures and all(link == src and src.endswith(".png") for link, src in figures)


def test_a_page_written_during_the_run_says_so_and_reloads(tmp_path: Path) -> None:
    from tests.support import aisci, at_node, kill_at

    run = kill_at(aisci("run", "momentum in small networks", "--model", "mock", "--sandbox",
                        "local", "--num-ideas", "1", "--reviewers", "1", "--runs-dir",
                        str(tmp_path / "runs")), tmp_path / "runs",
                  at_node("node_start", "review"), log=tmp_path / "log.txt")
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "This run is still going (now: " in page  # the stage just before the kill
    assert '<meta http-equiv="refresh" content="10">' in page
    assert 'id="answer"' in page and "Best idea:" in page  # the experiments were done
    final = write_report(run).read_text(encoding="utf-8")
    assert "still going" not in final and "http-equiv" not in final
