"""What a run folder says, read once into typed records: for ``list``, ``show``, ``compare``,
the report's headline and the experiment tracker.

Everything here is read back from disk, so it is untrusted: a file that is missing, cut by a
crash or does not validate is left out (the views show less), never guessed or repaired.
``read_header`` is the one place these views read ``run.json``.

    >>> summary = load_summary(Path("runs/20261206-231644_momentum"))
    >>> idea, run = summary.winner()          # the best variant of any idea, or None
    >>> [line.group for line in summary.headline()]
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.domain import (
    Comparison,
    ExperimentRun,
    Failure,
    Idea,
    IdeaOutcome,
    MetricStats,
    ReviewOutcome,
    RunStats,
)
from agents.run import read_json_regular, read_regular

#: The run id's leading UTC timestamp (``20261206-231644``), and a ``-2`` a clash added.
#: An idea name that is one plain path component (a name from ideas.json names a folder).
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_STAMP = re.compile(r"^(\d{8}-\d{6})(?:_.*?)?(-\d+)?$")


def short_id(run_id: str) -> str:
    """The run's start time (UTC), with the ``-n`` of a second run in the same second: short,
    unique in a runs folder, and accepted wherever a run id is."""
    found = _STAMP.match(run_id)
    return found.group(1) + (found.group(2) or "") if found else run_id


class RunHeader(BaseModel):
    """The part of run.json that the views show."""

    model_config = ConfigDict(extra="ignore")

    id: str = ""
    topic: str = ""
    template: str = ""
    status: str = "unknown"
    started: str | None = None
    finished: str | None = None
    wall_s: float | None = None
    failures: list[Failure] = Field(default_factory=list)
    #: The settings a run was started with, as recorded (for the tracker's parameters).
    settings: dict[str, Any] = Field(default_factory=dict)
    models: dict[str, str] = Field(default_factory=dict)


def read_header(run_dir: Path) -> RunHeader:
    """run.json as the views need it, read through the one validating reader
    (``agents.run.record``); a run.json that does not validate gives an empty header whose
    status says so."""
    from agents.run import RunRecordError, parse_run_record

    try:
        record = parse_run_record(run_dir / "run.json")
    except RunRecordError:
        return RunHeader(id=run_dir.name, status="invalid run.json")
    shown = record.to_json()
    return RunHeader(
        id=run_dir.name, topic=record.topic, template=record.template,
        status=record.status.value, started=record.timings.started,
        finished=record.timings.finished, wall_s=record.timings.wall_s,
        failures=list(record.failures), settings=_dict(shown.get("settings")),
        models={str(role): str(m.get("model") if isinstance(m, dict) else m)
                for role, m in _dict(shown.get("models")).items()})


class GroupLine(BaseModel):
    """One group of the primary metric: the variant against the baseline, from stats.json."""

    group: str
    metric: str
    variant: MetricStats
    baseline: MetricStats | None = None
    comparison: Comparison | None = None


class ReviewLine(BaseModel):
    version: int
    decision: str
    mean_overall: float
    overall: list[int] = Field(default_factory=list)


class IdeaSummary(BaseModel):
    name: str
    title: str = ""
    selected: bool = False
    novel: bool | None = None
    status: str | None = None  # "done", "failed", or None while it has no outcome yet
    reason: str = ""
    primary_metric: str = ""
    lower_is_better: bool = False
    runs: list[ExperimentRun] = Field(default_factory=list)
    reviews: list[ReviewLine] = Field(default_factory=list)
    papers: list[Path] = Field(default_factory=list)
    #: When ``runs`` are held-out test results (a template with a grader and a test metric):
    #: how the variant was chosen ("best of 3 variants chosen on validation ..."); "" otherwise.
    held_out: str = ""

    @property
    def baseline(self) -> ExperimentRun | None:
        return next((r for r in self.runs if r.index == 0), None)

    def best(self) -> ExperimentRun | None:
        """The variant with the best primary value (the baseline not counted)."""
        candidates = [r for r in self.runs if r.ok and r.index > 0 and _finite(r.primary)]
        if not candidates:
            return None
        sign = -1.0 if self.lower_is_better else 1.0
        return max(candidates, key=lambda r: sign * float(r.primary or 0.0))

    def lines(self, run: ExperimentRun) -> list[GroupLine]:
        """Per group, the run's primary metric against the baseline (interval, test, n)."""
        if run.stats is None or not self.primary_metric:
            return []
        base = self.baseline.stats if self.baseline is not None else None
        out = []
        for group in run.stats.groups:
            stats = run.stats.get(group, self.primary_metric)
            if stats is None:
                continue
            out.append(GroupLine(
                group=group, metric=self.primary_metric, variant=stats,
                baseline=base.get(group, self.primary_metric) if base is not None else None,
                comparison=run.stats.comparison(group)))
        return out

    @property
    def last_review(self) -> ReviewLine | None:
        return self.reviews[-1] if self.reviews else None


class RunSummary(BaseModel):
    path: Path
    header: RunHeader
    ideas: list[IdeaSummary] = Field(default_factory=list)
    cost_usd: float | None = None
    notional: bool = False

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def report(self) -> Path:
        return self.path / "report.html"

    def winner(self) -> tuple[IdeaSummary, ExperimentRun] | None:
        """The idea whose best variant is best on the primary metric."""
        best: tuple[IdeaSummary, ExperimentRun] | None = None
        for idea in self.ideas:
            run = idea.best()
            if run is None:
                continue
            if best is None or _better(run.primary, best[1].primary, idea.lower_is_better):
                best = (idea, run)
        return best

    def headline(self) -> list[GroupLine]:
        found = self.winner()
        return found[0].lines(found[1]) if found else []


def load_summary(run_dir: Path) -> RunSummary:
    """Everything the views show of one run folder."""
    cost = _json(run_dir / "cost.json")
    if not isinstance(cost, dict) and (run_dir / "events.jsonl").is_file():
        cost = _cost_so_far(run_dir)  # a run still going: cost.json is written at its end
    total = cost.get("total") if isinstance(cost, dict) else None
    usd = total.get("cost_usd") if isinstance(total, dict) else None
    return RunSummary(
        path=run_dir, header=read_header(run_dir),
        ideas=[_idea(run_dir, name, ideas) for ideas in [read_ideas(run_dir)]
               for name in _idea_names(run_dir, ideas)],
        cost_usd=float(usd) if isinstance(usd, int | float) else None,
        notional=bool(cost.get("notional")) if isinstance(cost, dict) else False)


def _cost_so_far(run_dir: Path) -> dict[str, Any]:
    """The cost of the model calls recorded so far (events.jsonl, read back validated)."""
    from agents.cost import CostLedger
    from agents.run import read_events

    return CostLedger.from_events(read_events(run_dir)).model_dump(mode="json")


def read_ideas(run_dir: Path) -> list[Idea]:
    """ideas.json as the run recorded it: each entry validated as an ``Idea`` (its name a safe
    folder name); an entry that is not one is left out (the file as read: untrusted)."""
    listed = _json(run_dir / "ideas.json")
    ideas = []
    for entry in listed if isinstance(listed, list) else []:
        try:
            ideas.append(Idea.model_validate(entry))
        except (ValidationError, RecursionError):
            continue
    return ideas


def _idea_names(run_dir: Path, ideas: list[Idea]) -> list[str]:
    """Ideas in ideas.json's order, then any other idea folder by name. A name from ideas.json
    names a folder: only a plain path component counts."""
    names = [i.name for i in ideas if _SAFE_NAME.fullmatch(i.name) and i.name not in (".", "..")]
    folders = sorted(p.name for p in (run_dir / "ideas").iterdir() if p.is_dir()) if (
        run_dir / "ideas").is_dir() else []
    return list(dict.fromkeys([*names, *folders]))


def _idea(run_dir: Path, name: str, ideas: list[Idea]) -> IdeaSummary:
    folder = run_dir / "ideas" / name
    summary = IdeaSummary(name=name)
    idea = next((i for i in ideas if i.name == name), None)
    if idea is not None:
        summary = summary.model_copy(update={
            "title": idea.title, "selected": idea.selected,
            "novel": idea.novelty_verdict.novel if idea.novelty_verdict else None})
    outcome = _model(folder / "outcome.json", IdeaOutcome)
    if isinstance(outcome, IdeaOutcome):
        summary = summary.model_copy(update={
            "status": outcome.status, "reason": outcome.reason,
            "primary_metric": outcome.primary_metric, "lower_is_better": outcome.lower_is_better,
            "runs": outcome.runs, "title": summary.title or outcome.idea.title,
            "held_out": (outcome.selection.rule if outcome.selection is not None
                         and outcome.selection.test else "")})
    reviews = []
    for review_dir in sorted(folder.glob("reviews*"), key=lambda p: _index(p.name)):
        found = _model(review_dir / "outcome.json", ReviewOutcome)
        if isinstance(found, ReviewOutcome):
            reviews.append(ReviewLine(version=found.paper_version, decision=found.decision,
                                      mean_overall=found.mean_overall,
                                      overall=[r.overall for r in found.reviews]))
    papers = [p for p in [folder / "paper" / "paper.pdf",
                          *sorted(folder.glob("paper_v*/paper.pdf"), key=lambda p: _index(p.parent.name))]
              if p.is_file()]
    return summary.model_copy(update={"reviews": reviews, "papers": papers})


def _better(a: float | None, b: float | None, lower: bool) -> bool:
    if not _finite(a):
        return False
    if not _finite(b):
        return True
    return float(a or 0.0) < float(b or 0.0) if lower else float(a or 0.0) > float(b or 0.0)


def _finite(value: float | None) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _index(name: str) -> int:
    digits = re.findall(r"\d+", name)
    return int(digits[-1]) if digits else 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json(path: Path) -> Any:
    """A run file's JSON: a regular file only (a link is never followed), else None."""
    return read_json_regular(path)


def baseline_stats(run_dir: Path) -> RunStats | None:
    """The run's baseline results (``baseline/run_0/stats.json``), when valid."""
    stats = _model(run_dir / "baseline" / "run_0" / "stats.json", RunStats)
    return stats if isinstance(stats, RunStats) else None


def variant_stats(run_dir: Path, idea: str) -> dict[int, RunStats]:
    """Each variant's own results as the search saw them (``ideas/<idea>/run_<k>/stats.json``:
    validation when the idea reports held-out test numbers), by run index."""
    out: dict[int, RunStats] = {}
    folder = run_dir / "ideas" / idea
    for path in sorted(folder.glob("run_*/stats.json")) if _SAFE_NAME.fullmatch(idea) else []:
        index = path.parent.name.removeprefix("run_")
        stats = _model(path, RunStats) if index.isdigit() else None
        if isinstance(stats, RunStats):
            out[int(index)] = stats
    return out


def _model(path: Path, model: type[BaseModel]) -> BaseModel | None:
    text = read_regular(path)
    if text is None:
        return None
    try:
        return model.model_validate_json(text)
    except (ValidationError, ValueError):
        return None
