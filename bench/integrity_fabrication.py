"""How many made-up numbers the number check catches, and how many true ones it flags.

    .venv/bin/python bench/integrity_fabrication.py                  # offline runs on every template
    .venv/bin/python bench/integrity_fabrication.py --runs runs/A runs/B   # papers of existing runs

For each paper of an offline run (one per shipped template unless ``--runs`` names folders),
sentences are planted into its Results section, each naming a real run, group and metric:

- made up: a value near a real one (2 % to 20 % off), at a random precision (1 to 4
  decimals), that does not round to the real value; it must be caught;
- true: the real value at a random precision; it must not be flagged.

Each is planted in each position: mid-sentence, sentence-final, in a table the "writer" adds,
and in a figure caption. The paper's own numbers are checked too (none may be flagged). The
table gives, per template, the fraction of made-up numbers caught and of true numbers flagged.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.domain.experiments import IdeaOutcome
from agents.paper.facts import FactSheet, fact_sheet
from agents.paper.integrity import check_numbers
from agents.run.record import parse_run_record
from agents.templates.template import available_templates, load_template

POSITIONS = ("mid_sentence", "sentence_final", "table", "caption")
PLANTS_PER_POSITION = 60
#: (runs beyond the baseline, seeds): the slow templates run one seed.
BUDGET = {"2d_diffusion": (1, 1), "grokking": (1, 1)}


def aisci() -> list[str]:
    script = Path(sys.executable).with_name("aisci")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents.cli"]


def offline_runs(folder: Path, budget: dict[str, tuple[int, int]] | None = None) -> list[Path]:
    runs = []
    for template in available_templates():
        max_runs, seeds = (budget or BUDGET).get(template, (2, 3))
        out = folder / template
        subprocess.run([*aisci(), "run", f"{template} study", "--template", template, "--model",
                        "mock", "--num-ideas", "1", "--max-runs", str(max_runs), "--seeds",
                        str(seeds), "--reviewers", "1", "--runs-dir", str(out), "--quiet"],
                       check=False, capture_output=True)
        runs += [p.parent for p in out.glob("*/run.json")]
    return runs


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _made_up(value: float, rng: random.Random) -> str:
    for _ in range(100):
        decimals = rng.randint(1, 4)
        shift = rng.uniform(0.02, 0.20) * rng.choice((-1, 1))
        candidate = value * (1 + shift) if value else shift
        text = _fmt(candidate, decimals)
        if abs(float(text) - value) > 0.5 * 10 ** -decimals:  # not a rounding of the truth
            return text
    return _fmt(value + 1, 1)


def _true(value: float, rng: random.Random) -> str:
    return _fmt(value, rng.randint(2, 4))


def plant(position: str, run: str, group: str, metric: str, number: str) -> str:
    metric_tex = metric.replace("_", "\\_")
    if position == "mid_sentence":
        return (f"On {group}, {run} reaches {metric_tex} = {number} after training, as "
                f"Table~\\ref{{tab:results}} shows.")
    if position == "sentence_final":
        return f"On {group}, the {metric_tex} of {run} rises to {number}."
    if position == "table":
        return (f"\\begin{{tabular}}{{lc}}\nRun & {group} ({metric_tex}) \\\\\n"
                f"{run} & {number} \\\\\n\\end{{tabular}}")
    return (f"\\begin{{figure}}[h]\\caption{{The {metric_tex} of {run} on {group} is {number}.}}"
            f"\\end{{figure}}")


def measure(outcome: IdeaOutcome, sheet: FactSheet, paper_text: str,
            rng: random.Random) -> dict[str, list[int]]:
    """Per position: [made up, caught, true, flagged]; 'paper' holds the paper's own numbers."""
    counts = {p: [0, 0, 0, 0] for p in POSITIONS}
    checked, problems = check_numbers(paper_text, sheet)
    counts["paper"] = [0, 0, checked, len(problems)]
    runs = [r for r in outcome.runs if r.ok and r.final_info is not None]
    for position in POSITIONS:
        for _ in range(PLANTS_PER_POSITION):
            run = rng.choice(runs)
            info = run.final_info
            assert info is not None
            group = rng.choice(info.groups)
            metric = rng.choice([m for m in info.metrics if not m.endswith("time_s")] or info.metrics)
            value = info.value(group, metric)
            if value is None:
                continue
            name = "the baseline" if run.index == 0 else f"run~{run.index}"
            for kind, text in (("made_up", _made_up(value, rng)), ("true", _true(value, rng))):
                flagged = bool(check_numbers(plant(position, name, group, metric, text), sheet)[1])
                row = counts[position]
                if kind == "made_up":
                    row[0] += 1
                    row[1] += flagged
                else:
                    row[2] += 1
                    row[3] += flagged
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="*", type=Path, help="run folders (default: new offline runs)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="aisci-integrity-") as tmp:
        runs = args.runs or offline_runs(Path(tmp))
        rows = []
        totals = [0, 0, 0, 0]
        for run in runs:
            template = parse_run_record(run / "run.json").template
            t = load_template(template)
            for outcome_path in sorted(run.glob("ideas/*/outcome.json")):
                outcome = IdeaOutcome.model_validate_json(outcome_path.read_text())
                paper = outcome_path.parent / "paper" / "template.tex"
                if outcome.status != "done" or not paper.is_file():
                    continue
                sheet = fact_sheet(outcome, t.code(), setup=f"{t.description}\n{t.data_source}")
                counts = measure(outcome, sheet, paper.read_text(), rng)
                made = sum(c[0] for c in counts.values())
                caught = sum(c[1] for c in counts.values())
                true = sum(c[2] for c in counts.values())
                flagged = sum(c[3] for c in counts.values())
                totals = [a + b for a, b in zip(totals, (made, caught, true, flagged), strict=True)]
                by_position = ", ".join(f"{p} {counts[p][1]}/{counts[p][0]}" for p in POSITIONS)
                rows.append((template, f"{caught / made:.1%}", f"{flagged / true:.1%}",
                             f"{counts['paper'][3]}/{counts['paper'][2]}", by_position))
    print("| template | made-up numbers caught | true numbers flagged | paper's own numbers "
          "flagged | caught by position |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if totals[0]:
        print(f"| all | {totals[1] / totals[0]:.1%} ({totals[1]}/{totals[0]}) | "
              f"{totals[3] / totals[2]:.1%} ({totals[3]}/{totals[2]}) | | |")


if __name__ == "__main__":
    main()
