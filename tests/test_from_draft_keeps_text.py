"""``aisci run --from-draft paper.tex``: the paper revises the author's draft instead of starting
from the template's skeleton. The author's sentences stay word for word, the revised sections
gain the run's results, and the author's own numbers are recorded as theirs, not as the runs'."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.prompts.format import number
from tests.support import aisci, docker_or_skip, load, only_run

ABSTRACT = "Our earlier pilot suggested that heavy-ball momentum changes how tiny networks fit toy data."
INTRO = "The humble heavy ball keeps rolling through the loss landscape of our smallest networks."
PILOT = "In our pilot study, 7 of 12 networks trained faster with momentum."
METHOD = ("We add a momentum term to plain stochastic gradient descent and leave everything else "
          "as it was.")
DRAFT = rf"""\documentclass{{article}}
\usepackage{{amsmath}}
\newcommand{{\authorsmacro}}{{not carried over}}
\title{{Momentum for tiny networks}}
\begin{{document}}
\maketitle
\begin{{abstract}}
{ABSTRACT}
\end{{abstract}}
\section{{Introduction}}
\label{{sec:intro}}
{INTRO}
{PILOT}

\section{{Methods}}
{METHOD}
\end{{document}}
"""


@pytest.fixture(scope="module")
def drafted_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docker_or_skip("the draft runs")
    work = tmp_path_factory.mktemp("draft")
    draft = work / "paper.tex"
    draft.write_text(DRAFT, encoding="utf-8")
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--model", "mock", "--template", "tiny_mlp",
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "1", "--reviewers", "1",
        "--from-draft", str(draft), "--runs-dir", str(work / "runs")])
    # the pilot's "7 of 12" is the author's, not a result of the runs: a finding (exit 4)
    assert result.exit_code == 4, result.output
    draft.unlink()  # the run folder has its own copy
    return only_run(work / "runs")


def _section(tex: str, name: str) -> str:
    match = re.search(rf"\\section\{{{name}\}}(.*?)\\section\{{", tex, re.DOTALL)
    assert match, f"no {name} section in the paper"
    return match.group(1)


def _mean_over_groups(info_path: Path, metric: str = "test_accuracy") -> str:
    info = load(info_path)
    assert isinstance(info, dict)
    return number(sum(g["means"][metric] for g in info.values()) / len(info))


@pytest.mark.docker
def test_the_authors_sentences_stay_and_the_results_are_added(drafted_run: Path) -> None:
    [idea_dir] = list((drafted_run / "ideas").iterdir())
    [tex_file] = list((idea_dir / "paper").glob("*.tex"))
    tex = tex_file.read_text(encoding="utf-8")
    flat = " ".join(tex.split())
    for sentence in (ABSTRACT, INTRO, PILOT, METHOD):
        assert sentence in flat, f"the draft's sentence was not kept: {sentence}"
    assert "\\authorsmacro" not in tex and "Momentum for tiny networks" not in tex, \
        "the draft's preamble and title must stay out: the paper keeps the template's skeleton"
    intro = " ".join(_section(tex, "Introduction").split())
    # The paper reports the held-out test numbers of the variant chosen and of the baseline.
    best = _mean_over_groups(idea_dir / "test" / "test_node_1" / "final_info.json")
    base = _mean_over_groups(idea_dir / "test" / "test_node_0" / "final_info.json")
    assert best in intro and base in intro, "the revised Introduction lacks the run's results"
    record = load(idea_dir / "paper" / "paper.json")
    assert isinstance(record, dict) and record["status"] == "compiled", record
    assert record["draft_sections"] == ["Abstract", "Introduction", "Method"]


@pytest.mark.docker
def test_the_authors_numbers_are_recorded_as_theirs(drafted_run: Path) -> None:
    [idea_dir] = list((drafted_run / "ideas").iterdir())
    record = load(idea_dir / "paper" / "paper.json")
    assert isinstance(record, dict)
    integrity = record["integrity"]
    from_draft = " ".join(integrity["from_draft"])
    assert "the number 7 is the author's" in from_draft and "the number 12" in from_draft
    assert not any("pilot study" in u for u in integrity["unverified"] + integrity["removed"])
    assert integrity["numbers_checked"] >= 10 and not integrity["unverified"]
    assert (drafted_run / "draft" / "paper.tex").read_text(encoding="utf-8") == DRAFT


@pytest.mark.docker
def test_a_pdf_draft_is_read_in_the_paper_image(tmp_path: Path) -> None:
    docker_or_skip("the draft runs")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (it makes the test's PDF)")
    (tmp_path / "paper.tex").write_text(DRAFT, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "paper.tex"], cwd=tmp_path,
                   capture_output=True, timeout=120, check=False)
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--model", "mock", "--num-ideas", "1",
        "--max-runs", "1", "--seeds", "1", "--reviewers", "1", "--from-draft",
        str(tmp_path / "paper.pdf"), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 4, result.output  # the pilot's numbers are findings
    run = only_run(tmp_path / "runs")
    [idea_dir] = list((run / "ideas").iterdir())
    flat = " ".join((idea_dir / "paper" / "template.tex").read_text(encoding="utf-8").split())
    for sentence in (INTRO, PILOT, METHOD):  # as pdftotext reads them, hyphenation undone
        assert sentence in flat, f"the PDF draft's sentence was not kept: {sentence}"
    assert load(idea_dir / "paper" / "paper.json")["draft_sections"] == [  # type: ignore[index]
        "Abstract", "Introduction", "Method"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.tex", None, "no such file"),
    ("draft.docx", "some text", "must be a .tex or .pdf file"),
    ("empty.tex", "just words, no sections", "no abstract and no \\section"),
])
def test_a_bad_draft_fails_in_one_line(tmp_path: Path, name: str, content: str | None,
                                       message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    proc = subprocess.run(aisci("run", "x", "--model", "mock", "--sandbox", "local",
                                "--from-draft", str(path), "--runs-dir", str(tmp_path / "runs")),
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines()
             if line.strip() and not line.startswith("warning:")]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "runs").exists(), "a bad draft must stop the run before its folder exists"
