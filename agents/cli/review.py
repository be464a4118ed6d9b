"""``aisci review PAPER.pdf``: the reviewer ensemble on any PDF."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from agents.cli.common import ApiBaseOption, ModelOption, console, guarded
from agents.config import TexBackend
from agents.errors import ConfigError

app = typer.Typer()


def pdf_reader(backend: TexBackend, cache: Path) -> Any:
    """poppler in a container of the paper image (or on the host, when asked); ``cache``: where
    its jobs keep what they made (a folder that lives as long as the review)."""
    from agents.paper import Tex

    if backend == TexBackend.host:
        from agents.cli.common import err

        err.print("warning: --tex host reads the PDF with this machine's poppler, unisolated.",
                  highlight=False, markup=False)
        return Tex.host()
    from agents.jobs import JobRunner
    from sandbox import DockerSandbox, ensure_paper_image

    ensure_paper_image(log=lambda _line: None)
    return Tex.sandboxed(JobRunner(DockerSandbox(), cache, parallel=1, run_id="review",
                                   event=lambda _event: None))


@app.command("review")
def review_pdf(
    paper: Annotated[Path, typer.Argument(help="Any paper as a PDF.")],
    model: ModelOption = None,
    api_base: ApiBaseOption = None,
    reviewers: Annotated[int, typer.Option(min=1, max=10, help="Reviewers in the ensemble.")] = 3,
    tex: Annotated[TexBackend, typer.Option(help="Where poppler reads the PDF: sandbox (a "
                   "container of the paper image) or host (UNSAFE for a PDF you do not trust).")]
    = TexBackend.sandbox,
) -> None:
    """Review any PDF: writes <name>.review.json and <name>.review.md beside it."""

    def body() -> None:
        from agents.config import load_config
        from agents.llm import LLMClient, with_server_model
        from agents.preflight import blocking_failures, check_before_run
        from agents.review import paper_text, read_paper_pdf, review_text, reviews_markdown
        from agents.run import atomic_write_json, atomic_write_text

        if not paper.is_file():
            raise ConfigError(f"no such file: {paper}")
        cfg, found = with_server_model(load_config(None, model=model, api_base=api_base))
        if found:
            console.print(f"Using {found}, the model the server at --api-base serves.",
                          highlight=False)
        if cfg.resolved_model()[1]:
            console.print("No model configured and no API key found: using the built-in offline "
                          "model (mock).", highlight=False)
        # the run's checks, for the one role a review needs: where its key goes, then the model
        report = check_before_run({"reviewer": cfg.role_settings()["reviewer"]},
                                  sandbox="local", confirmed=cfg.api_base_confirmed)
        failed = blocking_failures(report.checks)
        if failed:
            raise ConfigError(f"{failed[0].name}: {failed[0].detail}. Fix: {failed[0].fix}")
        with tempfile.TemporaryDirectory(prefix="aisci-review-") as work:
            reader = pdf_reader(tex, Path(work) / "jobs")
            visible, hidden = asyncio.run(read_paper_pdf(reader, paper))
            text = paper_text(visible)
            if len(text.split()) < 50:
                raise ConfigError(f"could not read enough text from {paper} (is it a scanned "
                                  f"PDF? is poppler-utils installed?)")
            llm = LLMClient(report.models, default=report.models["reviewer"])
            pages = Path(work) / "pages"
            pages.mkdir()
            figures = (asyncio.run(reader.pdf_pages(paper, pages))
                       if llm.accepts_images("reviewer") else [])
            outcome = asyncio.run(review_text(llm, text, num_reviewers=reviewers,
                                              idea_name=paper.stem, version=1, figures=figures,
                                              hidden=[h.line() for h in hidden]))
        stem = paper.with_suffix("")
        atomic_write_json(Path(f"{stem}.review.json"), outcome)
        atomic_write_text(Path(f"{stem}.review.md"), reviews_markdown(outcome))
        for finding in hidden:
            console.print(f"hidden in the PDF: {finding.line()}", highlight=False, markup=False)
        console.print(f"{outcome.decision} (mean overall {outcome.mean_overall}); wrote "
                      f"{stem}.review.json and {stem}.review.md", highlight=False)

    guarded(body)
