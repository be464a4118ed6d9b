"""``aisci run --from-draft``: what the author's draft claims is checked like anything else. A
draft that claims a significance the runs do not have and a seed count that did not run gets
both as findings in the paper's ``problems``, report.html says the integrity check failed, and
the run ends with exit code 4 (finished, with failures recorded)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from tests.support import docker_or_skip, load, only_run

SIGNIFICANT = ("Momentum significantly outperforms plain SGD on every task (p < 0.01), "
               "as our earlier pilot suggested.")
SEEDS = "We report means over 10 seeds for every variant."
DRAFT = rf"""\documentclass{{article}}
\begin{{document}}
\begin{{abstract}}
We study heavy-ball momentum in tiny networks.
\end{{abstract}}
\section{{Introduction}}
{SIGNIFICANT}
\section{{Experimental Setup}}
{SEEDS}
\end{{document}}
"""


@pytest.mark.docker
def test_a_drafts_false_claims_are_findings_and_the_run_exits_4(tmp_path: Path) -> None:
    docker_or_skip("the from-draft claims run")
    draft = tmp_path / "draft.tex"
    draft.write_text(DRAFT, encoding="utf-8")
    result = CliRunner().invoke(app, [
        "run", "momentum in small networks", "--model", "mock", "--template", "tiny_mlp",
        "--num-ideas", "1", "--max-runs", "1", "--seeds", "2", "--reviewers", "1",
        "--from-draft", str(draft), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 4, result.output
    run = only_run(tmp_path / "runs")
    [idea_dir] = list((run / "ideas").iterdir())
    paper = load(idea_dir / "paper" / "paper.json")
    assert isinstance(paper, dict)
    flat = " ".join(" ".join(paper["problems"]).split())
    assert re.search(r"the author's draft: (significance|p_value): ", flat), paper["problems"]
    assert "the author's draft: count: 10 seeds: the run has 2" in flat, paper["problems"]
    tex = " ".join((idea_dir / "paper" / "template.tex").read_text(encoding="utf-8").split())
    assert SIGNIFICANT in tex and SEEDS in tex, "the author's sentences stay, word for word"
    report = (run / "report.html").read_text(encoding="utf-8")
    assert 'Integrity check: <span class="bad">failed</span>' in report
    assert "10 seeds" in report
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "completed_with_failures"
    assert any(f["stage"] == "integrity" for f in record["failures"]), record["failures"]
