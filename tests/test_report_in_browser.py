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
from agents.run.report import write_report
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
    (run / "ideas.json").write_text('[{"name": "<b>x</b>", "title": null}]')

    page = write_report(run).read_text(encoding="utf-8")
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
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
