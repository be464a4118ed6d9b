"""An experiment that writes ``\\input{/proc/self/environ}`` into every string it controls,
and a writer model steered into typesetting it raw, with a canary key in the host environment:
the canary appears in no file of the run folder and in no text of the PDF, and the run
finishes. With TeX in the sandbox (the default) and with hardened host TeX (``--tex host``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents.cli import app
from agents.offline_model import model as offline_model
from agents.offline_model.reading import Asked
from agents.paper.tex import Tex, tex_available
from agents.prompts import Task
from tests.support import IN_CI, REPO, load, only_run

CANARY = "sk-canary-7f3a-must-never-be-typeset"
HOSTILE = REPO / "tests" / "fixtures" / "hostile_template"
PAYLOAD = r"\input{/proc/self/environ}"


@pytest.fixture
def steered_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer copies the payload into its LaTeX raw, as a model misled by the output might."""
    original = offline_model.HANDLERS[Task.WRITE_SECTION]

    def write(asked: Asked) -> Any:
        return str(original(asked)).replace("```latex\n", f"```latex\n{PAYLOAD} \\openin5={PAYLOAD} ", 1)

    monkeypatch.setitem(offline_model.HANDLERS, Task.WRITE_SECTION, write)


def _docker_ready() -> str | None:
    from sandbox.base import SandboxUnavailable
    from sandbox.docker import DockerSandbox

    try:
        DockerSandbox().preflight()
    except SandboxUnavailable as exc:
        return str(exc)
    return None


@pytest.mark.docker
@pytest.mark.parametrize("tex", ["sandbox", "host"])
def test_the_canary_never_reaches_the_run_folder_or_the_pdf(
        steered_writer: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tex: str) -> None:
    reason = _docker_ready()
    if reason:
        if IN_CI:
            pytest.fail(f"CI must run this test in Docker: {reason}")
        pytest.skip(reason)
    if tex == "host" and not tex_available():
        pytest.skip("no host TeX")
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("AISCI_CANARY_TOKEN", CANARY)
    result = CliRunner().invoke(app, [
        "run", "scaling a hostile signal", "--template", str(HOSTILE), "--model", "mock",
        "--runs-dir", str(tmp_path), "--num-ideas", "1", "--seeds", "2", "--reviewers", "1",
        "--tex", tex])
    assert result.exit_code in (0, 4), result.output
    run = only_run(tmp_path)
    for path in run.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), f"the canary leaked into {path}"
    pdfs = list(run.glob("ideas/*/paper/paper.pdf"))
    for pdf in pdfs:
        text = asyncio.run(Tex.host().pdf_text(pdf))
        assert CANARY not in text and "OPENAI_API_KEY" not in text
    record = load(run / "run.json")
    assert isinstance(record, dict) and record["status"] in ("completed", "completed_with_failures")
    assert CANARY not in result.output
