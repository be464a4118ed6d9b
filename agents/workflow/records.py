"""The one writer of an idea's records (issue 29 item 1): the roles return values (an
``IdeaOutcome``, a ``Paper``, a ``ReviewOutcome``) and the per-idea branches record them here.

- the experiment's: ``outcome.json`` (what a resumed branch reuses), ``runs.json``,
  ``notes.md`` (what ran and what it gave; the writer reads it), ``labels.json`` (the legends
  plot.py draws), and each run's ``stats.json`` with its tests against the baseline;
- a paper's ``paper.json``;
- a review round's ``review_<k>.json``, ``meta_review.json``, ``reviews.md`` and
  ``outcome.json``.
"""

from __future__ import annotations

from agents.domain import IdeaOutcome, Paper, ReviewOutcome
from agents.experiment import legend_labels, notes_markdown
from agents.review import reviews_markdown
from agents.run import RunFolder, atomic_write_json, atomic_write_text
from agents.templates import Template

OUTCOME = "outcome.json"
PAPER = "paper.json"


def record_outcome(run: RunFolder, outcome: IdeaOutcome, template: Template,
                   backend: str) -> None:
    idea_dir = run.idea_dir(outcome.idea.name)
    atomic_write_json(idea_dir / "labels.json", legend_labels(outcome))
    atomic_write_text(idea_dir / "notes.md", notes_markdown(outcome, template, backend))
    atomic_write_json(idea_dir / "runs.json", outcome.runs)
    for ran in outcome.runs:  # stats.json gains the tests against the baseline, made afterwards
        stats_file = idea_dir / f"run_{ran.index}" / "stats.json"
        if ran.stats is not None and ran.stats.comparisons and stats_file.is_file():
            atomic_write_json(stats_file, ran.stats)
    atomic_write_text(idea_dir / OUTCOME, outcome.model_dump_json(indent=1))


def record_paper(run: RunFolder, paper: Paper) -> None:
    atomic_write_text(run.paper_dir(paper.idea_name, paper.version) / PAPER,
                      paper.model_dump_json(indent=1))


def record_reviews(run: RunFolder, outcome: ReviewOutcome) -> None:
    folder = run.reviews_dir(outcome.idea_name, outcome.paper_version)
    for k, review in enumerate(outcome.reviews, start=1):
        atomic_write_json(folder / f"review_{k}.json", review)
    atomic_write_json(folder / "meta_review.json", {
        **outcome.meta.model_dump(), "mean_overall": outcome.mean_overall,
        "decision": outcome.decision, "paper_version": outcome.paper_version,
        "failed_reviewers": outcome.failed_reviewers, "hidden_text": outcome.hidden_text})
    atomic_write_text(folder / "reviews.md", reviews_markdown(outcome))
    atomic_write_text(folder / OUTCOME, outcome.model_dump_json(indent=1))
