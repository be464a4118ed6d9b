"""``aisci lit``: search the literature and manage the offline library from the shell.

    aisci lit search "grokking modular arithmetic" --source offline --limit 5
    aisci lit import ~/papers/refs.bib
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from agents.cli.common import fail
from agents.literature import (
    LiteratureError,
    default_cache_dir,
    get_source,
    offline_source,
    resolve_name,
)

app = typer.Typer(help="Search the literature; manage the offline library.",
                  no_args_is_help=True, add_completion=False)

CacheDirOption = Annotated[Path | None, typer.Option(
    "--cache-dir", help="where the index and the query cache live (default: ~/.cache/aisci)")]
MAX_SKIPPED_SHOWN = 20


def _console(*, stderr: bool = False) -> Console:
    # Made per call, so the terminal width (COLUMNS) is read when the command runs.
    return Console(stderr=stderr)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="a .bib or .jsonl file of papers")],
    cache_dir: CacheDirOption = None,
) -> None:
    """Add the papers of FILE to the offline library (entries without a title are skipped)."""
    # The skipped entries are reported below; the parser's own warnings would repeat them.
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    try:
        report = offline_source(cache_dir or default_cache_dir()).import_library(file)
    except LiteratureError as exc:
        raise fail(str(exc)) from None
    console = _console()
    console.print(Text(
        f"Imported {file}: {report.added} added, {report.duplicates} already in the library, "
        f"{len(report.skipped)} skipped."))
    for skipped in report.skipped[:MAX_SKIPPED_SHOWN]:
        console.print(Text(f"  skipped {skipped.where}: {skipped.reason}", style="yellow"))
    if len(report.skipped) > MAX_SKIPPED_SHOWN:
        console.print(Text(f"  ... and {len(report.skipped) - MAX_SKIPPED_SHOWN} more"))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="free-text query")],
    source: Annotated[str, typer.Option(
        "--source", "-s",
        help="offline, semantic_scholar, openalex, arxiv, or auto (offline unless "
             "AISCI_LITERATURE names another)")] = "auto",
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
    cache_dir: CacheDirOption = None,
) -> None:
    """Search a literature source and print the papers found."""
    try:
        resolve_name(source)  # an unknown name fails here with the list of valid ones
        chosen = get_source(source, cache_dir=cache_dir)
        papers = chosen.search(query, limit)
    except LiteratureError as exc:
        raise fail(str(exc)) from None
    console = _console()
    if not papers:
        console.print(Text(f"No papers found for {query!r} in {chosen.name}."))
        return
    table = Table(title=Text(f"{len(papers)} papers from {chosen.name}"), show_lines=False)
    for column in ("#", "key", "authors", "year", "title", "venue", "id"):
        table.add_column(column, overflow="fold")
    for i, paper in enumerate(papers, start=1):
        ident = (f"arXiv:{paper.arxiv_id}" if paper.arxiv_id
                 else f"doi:{paper.doi}" if paper.doi else "")
        table.add_row(*(Text(cell) for cell in (
            str(i), paper.key, paper.author_text(), str(paper.year or ""), paper.title,
            paper.venue or "", ident)))
    console.print(table)

