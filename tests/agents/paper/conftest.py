"""An idea's outcome with real statistics: a baseline and two runs, three seeds each."""

from __future__ import annotations

import pytest

from agents.domain.experiments import ExperimentRun, IdeaOutcome
from agents.domain.ideas import Idea
from agents.domain.results import FinalInfo
from agents.experiment.statistics import compare_runs, summarize

SEEDS = {
    0: [(0.8692, 0.6883), (0.8751, 0.6710), (0.8633, 0.7056)],  # baseline: (moons, circles)
    1: [(0.9500, 0.9775), (0.9480, 0.9712), (0.9525, 0.9838)],  # run 1: a clear gain
    2: [(0.8702, 0.6901), (0.8640, 0.6822), (0.8737, 0.6950)],  # run 2: no real change
}
DESCRIPTIONS = {0: "Baseline", 1: "MOMENTUM = 0.9", 2: "MOMENTUM = 0.5"}


def make_outcome(seeds: dict[int, list[tuple[float, float]]] | None = None) -> IdeaOutcome:
    seeds = seeds or SEEDS
    runs = []
    for index, values in seeds.items():
        infos = [FinalInfo.parse({"moons": {"means": {"val_accuracy": a, "loss": 1 - a}},
                                  "circles": {"means": {"val_accuracy": b, "loss": 1 - b}}})
                 for a, b in values]
        mean_info, stats = summarize(infos)
        primary = sum(mean_info.value(g, "val_accuracy") or 0 for g in mean_info.groups) / 2
        runs.append(ExperimentRun(index=index, description=DESCRIPTIONS[index], verdict="ok",
                                  final_info=mean_info, stats=stats, seeds=[0, 1, 2][:len(values)],
                                  primary=primary,
                                  diff="-MOMENTUM = 0.0\n+MOMENTUM = 0.9\n" if index else ""))
    base = runs[0]
    assert base.stats is not None
    compared = compare_runs(base.stats, {r.index: r.stats for r in runs[1:] if r.stats},
                            "val_accuracy", False)
    runs = [base, *(r.model_copy(update={"stats": compared[r.index]}) for r in runs[1:])]
    idea = Idea(name="momentum_study", title="Momentum", interestingness=5, feasibility=9,
                novelty=4, experiment="Change MOMENTUM from 0.0 to 0.9, then to 0.5.")
    return IdeaOutcome(idea=idea, status="done", primary_metric="val_accuracy", runs=runs)


@pytest.fixture
def outcome() -> IdeaOutcome:
    return make_outcome()
