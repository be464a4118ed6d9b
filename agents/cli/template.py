"""``aisci template check DIR``: is this folder a valid experiment template?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from agents.cli.common import console, err

app = typer.Typer(help="Experiment templates.", no_args_is_help=True)


@app.command("check")
def template_check(path: Annotated[Path, typer.Argument(help="Template folder.")]) -> None:
    """Is this folder a valid experiment template? Lists every problem."""
    from agents.templates.check import check_template

    problems = check_template(path)
    if problems:
        for p in problems:
            err.print(Text.assemble(("✗ ", "red"), p), highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(Text.assemble(("✓ ", "green"), f"{path} is a valid template"), highlight=False)
