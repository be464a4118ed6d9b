"""The winner's curse of a search, measured: the best of N variants, chosen on validation,
reported on validation and on held-out test data, when no variant is in truth better.

    python bench/selection_bias.py                    # 10 replicates, local sandbox
    python bench/selection_bias.py --replicates 12 --sandbox docker

The template is ``bench/templates/null_stream``: logistic regression on two synthetic tasks,
whose only knob (STREAM) changes nothing but the random stream of training, so every variant
equals the baseline in expectation. Each replicate is a copy of it with other data draws and
training streams (``REPLICATE = r``, part of its grader), and runs the experiment stage of aisci with the tree
search and the offline model: the baseline, drafts, improvements, ablations and a replication
(``--max-nodes`` variants), then the held-out test job of what the search chose. It prints,
per replicate, the gain of the chosen variant over the baseline on validation (what a search
that reports the metric it chose on would claim) and on the held-out test data (what aisci
reports), and whether either is significant after the Holm correction over every variant.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from _load import warn_if_loaded

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agents.config.settings import ModelSettings, RunSettings, TreeSettings  # noqa: E402
from agents.domain.experiments import IdeaOutcome  # noqa: E402
from agents.domain.ideas import Idea  # noqa: E402
from agents.experiment.agent import run_idea  # noqa: E402
from agents.experiment.statistics import ALPHA, compare_runs  # noqa: E402
from agents.jobs.runner import JobRunner  # noqa: E402
from agents.llm.client import LLMClient  # noqa: E402
from agents.paper.tex import Tex  # noqa: E402
from agents.run.context import RunContext  # noqa: E402
from agents.run.folder import RunFolder  # noqa: E402
from agents.templates.template import load_template  # noqa: E402
from agents.workflow.roles import baseline_stage, experimenter  # noqa: E402

TEMPLATE = REPO / "bench" / "templates" / "null_stream"
IDEA = Idea(name="stream_study", title="Does the Training Stream Matter?",
            experiment="Change STREAM from 3 to other values and compare val_accuracy with "
                       "the baseline.", interestingness=3, feasibility=10, novelty=2)


def replicate_template(root: Path, r: int) -> Path:
    target = root / f"null_stream_{r}"
    shutil.copytree(TEMPLATE, target)
    code = target / "experiment.py"
    code.write_text(code.read_text().replace("REPLICATE = 0  #", f"REPLICATE = {r}  #"))
    return target


def context(root: Path, template: Path, opts: argparse.Namespace) -> RunContext:
    from sandbox.docker import DockerSandbox
    from sandbox.local import LocalSandbox

    model = ModelSettings(model="mock/aisci-offline")
    settings = RunSettings(topic="training streams", template=str(template), model=model,
                           sandbox=opts.sandbox, seeds=opts.seeds, search="tree",
                           tree=TreeSettings(max_nodes=opts.max_nodes))
    run = RunFolder.create(root, template.name)

    def on_event(event: dict[str, Any]) -> None:
        event = dict(event)
        run.event(event.pop("type"), **event)

    box: Any = DockerSandbox() if opts.sandbox == "docker" else LocalSandbox()
    jobs = JobRunner(box, run.path / "cache", parallel=2, run_id=run.id, event=run.event)
    return RunContext(run=run, settings=settings, template_or_none=load_template(str(template)),
                      llm=LLMClient({}, default=model, on_event=on_event), jobs=jobs,
                      tex=Tex.host())


def gains(outcome: IdeaOutcome) -> dict[str, Any]:
    sel = outcome.selection
    assert sel is not None and sel.chosen is not None, outcome.reason
    tree = outcome.tree
    assert tree is not None
    base_val = tree.node(0).run.primary
    chosen_val = tree.node(sel.chosen).run.primary
    test = {t.role: t.run for t in sel.test}
    chosen_test = test["chosen"]
    significant = [c for c in (chosen_test.stats.comparisons if chosen_test.stats else [])
                   if c.significant and c.better]
    row = next(t for t in sel.tried if t.node == sel.chosen)
    base_stats, chosen_stats = tree.node(0).run.stats, tree.node(sel.chosen).run.stats
    assert base_stats is not None and chosen_stats is not None
    naive = compare_runs(base_stats, {1: chosen_stats}, sel.metric, sel.lower_is_better)[1]
    assert base_val is not None and chosen_val is not None
    assert test["baseline"].primary is not None and chosen_test.primary is not None
    return {"ran": sel.n_ran, "family": sel.family,
            "val_gain": chosen_val - base_val,
            "test_gain": chosen_test.primary - test["baseline"].primary,
            "val_naive": sum(1 for c in naive.comparisons if c.p_value is not None
                             and c.p_value < ALPHA and c.better),
            "val_significant": row.significant_better, "test_significant": len(significant)}


async def one(root: Path, r: int, opts: argparse.Namespace) -> dict[str, Any]:
    ctx = context(root, replicate_template(root, r), opts)
    base = await baseline_stage(ctx)
    assert base.ok, base.feedback
    return gains(await run_idea(experimenter(ctx), IDEA))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-nodes", type=int, default=12)
    parser.add_argument("--sandbox", choices=("docker", "local"), default="local")
    opts = parser.parse_args()
    warn_if_loaded()
    rows = []
    with tempfile.TemporaryDirectory(prefix="aisci-bench-") as tmp:
        for r in range(opts.replicates):
            rows.append(asyncio.run(one(Path(tmp), r, opts)))
            print(f"replicate {r}: {rows[-1]}", file=sys.stderr, flush=True)
    print(f"null_stream: best of the variants chosen on validation ({opts.seeds} seeds each, "
          f"tree search, --max-nodes {opts.max_nodes}); accuracy gain over the baseline, "
          f"in percentage points")
    print("| replicate | variants ran | Holm family | gain on validation | gain on test | "
          "groups better at p < 0.05 on validation, uncorrected | after Holm (val / test) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r, row in enumerate(rows):
        print(f"| {r} | {row['ran']} | {row['family']} | {100 * row['val_gain']:+.2f} | "
              f"{100 * row['test_gain']:+.2f} | {row['val_naive']} | {row['val_significant']} / "
              f"{row['test_significant']} |")
    val = [100 * row["val_gain"] for row in rows]
    test = [100 * row["test_gain"] for row in rows]

    def summary(values: list[float]) -> str:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):+.2f} (sd {sd:.2f}, se {sd / len(values) ** 0.5:.2f})"

    print(f"| mean | | | {summary(val)} | {summary(test)} | {sum(r['val_naive'] for r in rows)} | "
          f"{sum(r['val_significant'] for r in rows)} / {sum(r['test_significant'] for r in rows)} |")


if __name__ == "__main__":
    main()
