"""``--help`` at 80 columns: options grouped in panels, every option's name whole, nothing cut."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from agents.cli import app

COMMANDS = [["run"], ["resume"], ["list"], ["show"], ["compare"], ["track"], ["doctor"], ["review"]]


def help_text(args: list[str]) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def option_names(args: list[str]) -> list[str]:
    command = get_command(app)
    for name in args:
        command = command.commands[name]  # type: ignore[attr-defined]
    return [opt for param in command.params for opt in [*param.opts, *param.secondary_opts]
            if opt.startswith("--")]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_help_fits_80_columns_with_every_option_whole(args: list[str]) -> None:
    text = help_text(args)
    assert "…" not in text, [line for line in text.splitlines() if "…" in line]
    assert max(len(line) for line in text.splitlines()) <= 80
    shown = set(re.findall(r"--[a-z][a-z0-9-]*", text))
    missing = [name for name in option_names(args) if name not in shown]
    assert not missing, f"cut or missing in --help: {missing}"


def test_run_help_groups_options_in_panels_and_starts_with_examples() -> None:
    text = help_text(["run"])
    panels = re.findall(r"╭─ ([A-Za-z ]+?) ─", text)
    assert panels[-5:] == ["Model", "Experiments", "Paper and review", "Execution", "Output"]
    head = text[:text.index("╭")]
    assert head.count('aisci run "') >= 2, head
    assert "[tree] in the" in " ".join(text.split()), "the markup ate [tree]"
    assert "aisci[mlflow]" in text, "the markup ate [mlflow]"



def test_version_prints_the_package_version() -> None:
    from agents import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"aisci {__version__}"
