"""The typed summary of a run folder (list, show, compare, the report's answer, the tracker):
the winner follows the metric's direction, and what does not validate is left out, not guessed."""

from __future__ import annotations

import json
from pathlib import Path

from agents.domain.experiments import ExperimentRun, IdeaOutcome
from agents.domain.ideas import Idea
from agents.domain.results import Comparison, MetricStats, RunStats
from agents.report.page import write_report
from agents.report.summary import load_summary, short_id


def stats(mean: float, *, diff: float | None = None, significant: bool = False) -> RunStats:
    s = MetricStats(n=3, mean=mean, std=0.01, ci_low=mean - 0.02, ci_high=mean + 0.02,
                    values=[mean - 0.01, mean, mean + 0.01])
    comparisons = [] if diff is None else [Comparison(
        group="g", metric="loss", difference=diff, p_value=0.01, p_adjusted=0.02,
        significant=significant, better=diff < 0)]
    return RunStats(n_seeds=3, groups={"g": {"loss": s}}, comparisons=comparisons)


def idea_folder(run: Path, name: str, title: str, primaries: list[float]) -> None:
    idea = Idea(name=name, title=title, experiment="x", interestingness=5, feasibility=5,
                novelty=5, selected=True)
    runs = [ExperimentRun(index=i, description=f"v{i}", verdict="ok", primary=p, seeds=[0, 1, 2],
                          stats=stats(p, diff=None if i == 0 else p - primaries[0],
                                      significant=i == 2))
            for i, p in enumerate(primaries)]
    outcome = IdeaOutcome(idea=idea, status="done", primary_metric="loss", lower_is_better=True,
                          runs=runs)
    (run / "ideas" / name).mkdir(parents=True)
    (run / "ideas" / name / "outcome.json").write_text(outcome.model_dump_json())


def make_run(tmp_path: Path) -> Path:
    run = tmp_path / "20261206-231644_loss_study-2"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"topic": "loss", "template": "t",
                                              "status": "completed", "failures": "not a list"}))
    idea_folder(run, "a", "Idea <b>A</b>", [0.50, 0.40, 0.30])
    idea_folder(run, "b", "Idea B", [0.50, 0.45, 0.60])
    (run / "ideas.json").write_text(json.dumps([{"name": "../../outside"}, {"name": "a"}]))
    idea_folder(tmp_path / "x", "outside", "Not of this run", [0.5, 0.01])
    (tmp_path / "x" / "ideas" / "outside").rename(tmp_path / "outside")  # run/ideas/../../outside
    (run / "ideas" / "c").mkdir()
    (run / "ideas" / "c" / "outcome.json").write_text('{"idea": {"name": "c"}, "status": "done"')
    return run


def test_the_winner_is_the_best_on_the_metrics_direction(tmp_path: Path) -> None:
    summary = load_summary(make_run(tmp_path))
    found = summary.winner()
    assert found is not None and (found[0].name, found[1].index) == ("a", 2)  # lowest loss
    (line,) = summary.headline()
    assert line.variant.mean == 0.30 and line.baseline is not None and line.baseline.mean == 0.50
    assert line.comparison is not None and line.comparison.significant


def test_what_does_not_validate_is_left_out(tmp_path: Path) -> None:
    summary = load_summary(make_run(tmp_path))
    assert [i.name for i in summary.ideas] == ["a", "b", "c"]  # ideas.json's '../..' left out
    c = next(i for i in summary.ideas if i.name == "c")
    assert c.runs == [] and c.status is None
    # run.json is read through its one validating reader: a record that is not one aisci
    # wrote ("failures": "not a list", no settings) is named as such, nothing of it is shown
    assert summary.header.failures == [] and summary.header.status == "invalid run.json"
    assert summary.header.topic == ""
    assert short_id(summary.id) == "20261206-231644-2"


def test_the_answer_escapes_what_the_run_wrote(tmp_path: Path) -> None:
    page = write_report(make_run(tmp_path)).read_text(encoding="utf-8")
    answer = page[page.index('id="answer"'):page.index("</section>")]
    assert "Idea &lt;b&gt;A&lt;/b&gt;" in answer and "<b>A</b>" not in page
    assert '<td class="num mean">0.3</td>' in answer and '<td class="sig yes">yes</td>' in answer


def test_a_run_still_going_shows_the_cost_so_far(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    lines = [json.dumps({"type": "llm_call", "role": "ideas", "task": "generate_ideas",
                         "cost_usd": c, "prompt_tokens": 10, "completion_tokens": 5,
                         "model": "m"}) for c in (0.25, 0.5, -5.0)]  # -5: not a cost
    (run / "events.jsonl").write_text("\n".join([*lines, '{"type": "llm_ca']))  # cut by a crash
    assert load_summary(run).cost_usd == 0.75
    (run / "cost.json").write_text(json.dumps({"total": {"cost_usd": 2.0}}))
    assert load_summary(run).cost_usd == 2.0  # the ledger the run wrote wins


def test_a_record_nested_too_deep_is_left_out_not_a_crash(tmp_path: Path) -> None:
    """``aisci list`` reads every run folder: an ideas.json of 100,000 nested lists (valid JSON)
    raised RecursionError in the views; it is now left out, as report.html already did."""
    (tmp_path / "ideas.json").write_text("[" * 100_000 + "]" * 100_000)
    assert load_summary(tmp_path).ideas == []
