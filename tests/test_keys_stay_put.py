"""Keys stay with their provider, and an untrusted PDF is read in the paper image.

- A ``./aisci.toml`` that points ``api_base`` at another server while ``OPENAI_API_KEY`` is set:
  the run refuses in one line, before any request (the server counts none), and creates nothing.
- ``aisci review`` runs the same checks first (``check_before_run``): the same ``./aisci.toml``
  gets no request from it either (it read the PDF and then asked that server, key and all).
- ``aisci review`` of a PDF aisci did not make extracts its text in the container: with no
  ``pdftotext`` on the host's PATH the review still reads the paper.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.domain.reviews import ReviewOutcome
from tests.fake_openai_server import FakeOpenAIServer
from tests.support import IN_CI

CANARY = "sk-canary-0123456789abcdef0123456789"


def test_an_implicit_config_cannot_send_a_key_elsewhere(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        place = tmp_path / "cloned_repo"
        place.mkdir()
        (place / "aisci.toml").write_text(f'model = "openai/gpt-4o-mini"\napi_base = "{server.url}"\n')
        monkeypatch.chdir(place)
        monkeypatch.setenv("OPENAI_API_KEY", CANARY)
        runs = tmp_path / "runs"
        result = CliRunner().invoke(app, ["run", "momentum in small networks", "--runs-dir",
                                          str(runs)])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "key routing" in lines[0] and "OPENAI_API_KEY" in lines[0]
        assert CANARY not in result.output
        assert server.requests == 0 and server.models_requests == 0, "a request reached the server"
        assert not runs.exists()
        # Named on the command line, the same server is the user's choice: it is used.
        confirmed = CliRunner().invoke(app, ["run", "momentum in small networks", "--runs-dir",
                                             str(runs), "--api-base", server.url, "--dry-run"])
        assert confirmed.exit_code == 0, confirmed.output


PAPER = r"""\documentclass{article}\begin{document}
\section{Introduction} Gradient clipping keeps the loss curve of small recurrent networks
stable when the learning rate is large, because single exploding steps are cut back to a bound.
\section{Method} We train a recurrent network on a copying task with and without clipping the
global gradient norm at one, over three seeds, and record the final accuracy of each run.
\section{Results} Clipped training reaches 0.91 accuracy against 0.88 without clipping.
\section{Conclusion} Clipping helps a little here; more tasks and seeds are needed.
\end{document}
"""


def test_review_cannot_send_a_key_elsewhere_either(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    if shutil.which("pdflatex") is None or shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("TeX and poppler must be installed in CI")
        pytest.skip("pdflatex/pdftotext not installed")
    (tmp_path / "clip.tex").write_text(PAPER)
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "clip.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=120)
    with FakeOpenAIServer() as server:
        place = tmp_path / "cloned_repo"
        place.mkdir()
        (place / "aisci.toml").write_text(f'model = "openai/gpt-4o-mini"\napi_base = "{server.url}"\n')
        monkeypatch.chdir(place)
        monkeypatch.setenv("OPENAI_API_KEY", CANARY)
        result = CliRunner().invoke(app, ["review", str(tmp_path / "clip.pdf"), "--tex", "host",
                                          "--reviewers", "1"])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert "key routing" in lines[-1] and "OPENAI_API_KEY" in lines[-1], result.output
        assert CANARY not in result.output
        assert server.requests == 0 and server.models_requests == 0, "a request reached the server"
        assert not (tmp_path / "clip.review.json").exists()


@pytest.mark.docker
def test_review_reads_a_foreign_pdf_in_the_container(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    if shutil.which("pdflatex") is None:
        if IN_CI:
            pytest.fail("TeX must be installed in CI")
        pytest.skip("pdflatex not installed")
    (tmp_path / "clip.tex").write_text(PAPER)
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "clip.tex"], cwd=tmp_path,
                   capture_output=True, check=True, timeout=120)
    empty = tmp_path / "no_tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no pdftotext (and no TeX) on the host from here on
    assert shutil.which("pdftotext") is None
    result = CliRunner().invoke(app, ["review", str(tmp_path / "clip.pdf"), "--model", "mock",
                                      "--reviewers", "1"])
    monkeypatch.setenv("PATH", os.defpath)
    assert result.exit_code == 0, result.output
    outcome = ReviewOutcome.model_validate_json((tmp_path / "clip.review.json").read_text())
    assert len(outcome.reviews) == 1
    text = (tmp_path / "clip.review.md").read_text()
    assert "Meta-review" in text
