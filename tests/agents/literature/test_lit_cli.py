"""``aisci lit``: import prints counts, search prints a table, bad input is one line and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.cli.lit import app
from agents.literature.registry import ENV_VAR

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


@pytest.fixture(autouse=True)
def no_env_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_import_then_search(tmp_path: Path) -> None:
    bib = tmp_path / "mine.bib"
    bib.write_text("@article{k, title={Hedgehog Attention for Tiny Gardens}, author={Doe, Jane},"
                   " year={2024}, journal={J. Gardens}}\n@misc{n, year={2020}}\n")
    result = runner.invoke(app, ["import", str(bib), "--cache-dir", str(tmp_path / "c")],
                           env=WIDE)
    assert result.exit_code == 0, result.output
    assert "1 added, 0 already in the library, 1 skipped" in result.output
    assert "skipped entry 'n': no title" in result.output

    found = runner.invoke(app, ["search", "hedgehog attention", "--source", "offline",
                                "--cache-dir", str(tmp_path / "c")], env=WIDE)
    assert found.exit_code == 0, found.output
    assert "Hedgehog Attention for Tiny Gardens" in found.output
    assert "doe2024hedgehog" in found.output


def test_search_prints_a_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "denoising diffusion probabilistic models", "-n", "3",
                                 "--cache-dir", str(tmp_path)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "3 papers from offline" in result.output
    assert "ho2020denoising" in result.output
    assert "arXiv:2006.11239" in result.output


def test_bad_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "nope.bib"),
                                 "--cache-dir", str(tmp_path)], env=WIDE)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {tmp_path / 'nope.bib'}: no such file"
    assert "Traceback" not in result.output


def test_unknown_source_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "x", "--source", "scholar", "--cache-dir",
                                 str(tmp_path)], env=WIDE)
    assert result.exit_code == 1
    assert result.output.startswith("error: unknown literature source 'scholar'")
    assert len(result.output.strip().splitlines()) == 1


def test_no_results_is_not_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "zzzxqv", "--cache-dir", str(tmp_path)], env=WIDE)
    assert result.exit_code == 0
    assert "No papers found" in result.output
