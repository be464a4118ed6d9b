"""How many lies told with real numbers the claim check catches, and how many true twins it flags.

    .venv/bin/python bench/integrity_claims.py                       # offline runs of every template
    .venv/bin/python bench/integrity_claims.py --runs runs/A runs/B  # papers of existing runs

Each lie is built from the real values of an offline run's outcome (one idea per shipped
template; tiny_mlp and optim_digits ran several seeds, so they have intervals and tests) in the
wording a model writes, and comes with a true twin of the same shape built from the same
values. Both are checked as a Results section is checked in a paper (the number check, the
comparative-wording check, the claim check, the hidden-text check). A kind that needs seeds
(significance, p-values, uncertainty labels) is planted only in papers whose runs have them.
The table gives, per kind, the lies caught and the true twins flagged.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.domain.experiments import ExperimentRun, IdeaOutcome
from agents.paper.claims import check_claims
from agents.paper.facts import FactSheet, fact_sheet, percent_scale
from agents.paper.integrity import check_numbers
from agents.paper.truth import check_truth
from agents.paper.typeset import hidden_text
from agents.templates.template import load_template
from bench.integrity_fabrication import offline_runs

PER_KIND = 20  # per paper; four papers (two with seeds) give 40 to 80 per kind
#: (runs beyond the baseline, seeds) of the offline runs: seeds where they are cheap
BUDGET = {"tiny_mlp": (2, 5), "optim_digits": (2, 3), "2d_diffusion": (1, 1), "grokking": (1, 1)}
_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n == 100:
        return "one hundred"
    return _TENS[n // 10] + ("" if n % 10 == 0 else "-" + _ONES[n % 10])


def tex(name: str) -> str:
    return name.replace("_", "\\_")


@dataclass
class Paper:
    outcome: IdeaOutcome
    sheet: FactSheet
    template: str
    rng: random.Random

    @property
    def runs(self) -> list[ExperimentRun]:
        return [r for r in self.outcome.runs if r.ok and r.final_info is not None]

    @property
    def seeded(self) -> bool:
        return self.sheet.n_seeds > 1 and bool(self.sheet.comparisons)

    @property
    def metric(self) -> str:
        return self.outcome.primary_metric

    def v(self, run: int, group: str, metric: str | None = None) -> float:
        s = self.sheet.stats[(run, group, metric or self.metric)]
        return s.mean

    def name(self, run: int, capital: bool = False) -> str:
        if run == 0:
            return "The baseline" if capital else "the baseline"
        return self.rng.choice([f"Run~{run}" if capital else f"run~{run}",
                                f"Run {run}" if capital else f"run {run}"])

    def group(self) -> str:
        return self.rng.choice(self.sheet.groups)

    def two_groups(self) -> tuple[str, str]:
        a, b = self.rng.sample(self.sheet.groups, 2)
        return a, b

    def other_run(self) -> int:
        return self.rng.choice([r.index for r in self.runs if r.index])


def fmt(x: float, decimals: int = 4) -> str:
    return f"{x:.{decimals}f}"


def differ(a: float, b: float, decimals: int = 4) -> bool:
    return fmt(a, decimals) != fmt(b, decimals) and abs(a - b) > 2 * 10 ** -decimals


Plant = tuple[str, str] | None  # (lie, true twin)


def attribution_group(p: Paper) -> Plant:
    run = p.rng.choice([r.index for r in p.runs])
    g1, g2 = p.two_groups()
    a, b = p.v(run, g1), p.v(run, g2)
    if not differ(a, b):
        return None
    m = tex(p.metric)
    form = p.rng.choice([
        "{R} reaches {x} on {g1} and {y} on {g2}.",
        "On {g1}, {r} reaches a {m} of {x}, and on {g2} it reaches {y}.",
        "{R} obtains {m} = {x} on {g1}, compared with {y} on {g2}.",
        "For {r}, the final {m} is {x} ({g1}) and {y} ({g2}).",
        "{R} achieves {x} and {y} on {g1} and {g2}, respectively.",
        "The {m} of {r} is {x} on the {g1} task, whereas on {g2} it ends at {y}.",
    ])
    def say(x: float, y: float) -> str:
        return form.format(R=p.name(run, True), r=p.name(run), g1=g1, g2=g2, m=m, x=fmt(x), y=fmt(y))
    return say(b, a), say(a, b)


def attribution_run(p: Paper) -> Plant:
    run, g = p.other_run(), p.group()
    a, b = p.v(run, g), p.v(0, g)
    if not differ(a, b):
        return None
    form = p.rng.choice([
        "On {g}, the baseline reaches {y}, while {r} reaches {x}.",
        "{R} reaches {x} on {g}, whereas the baseline reaches {y}.",
        "On {g}, {r} attains a {m} of {x} against {y} for the baseline.",
        "Compared to the baseline ({y}), {r} obtains {x} on {g}.",
        "On {g}, the {m} is {y} for the baseline and {x} for {r}.",
        "{R} and the baseline reach {x} and {y} on {g}, respectively.",
        "On {g}, {r} ends at {x} ({m}), the baseline at {y}.",
    ])
    def say(x: float, y: float) -> str:
        return form.format(R=p.name(run, True), r=p.name(run), g=g, m=tex(p.metric), x=fmt(x),
                           y=fmt(y))
    return say(b, a), say(a, b)


def attribution_described(p: Paper) -> Plant:
    described = [(r, s) for r, s in p.sheet.settings.items() if s]
    if len(described) < 2:
        return None
    (run, settings), (other, _) = p.rng.sample(described, 2)
    name, value = p.rng.choice(sorted(settings.items()))
    g = p.group()
    a, b = p.v(run, g), p.v(other, g)
    if not differ(a, b):
        return None
    form = p.rng.choice([
        "The variant with a {n} of {val} reaches {x} on {g}.",
        "With {n} set to {val}, the network reaches a {m} of {x} on {g}.",
        "On {g}, the model trained with {n} {val} attains {x}.",
        "Setting the {n} to {val} yields a {m} of {x} on {g}.",
        "On {g}, a {n} of {val} gives {x}.",
    ])
    def say(x: float) -> str:
        return form.format(n=name, val=f"{value:g}", g=g, m=tex(p.metric), x=fmt(x))
    return say(b), say(a)


def direction(p: Paper) -> Plant:
    run, g = p.other_run(), p.group()
    a, b = p.v(run, g), p.v(0, g)
    if not differ(a, b):
        return None
    up = a > b
    pairs = [("raises", "lowers"), ("increases", "reduces"), ("is higher than", "is lower than"),
             ("pushes up", "pushes down")]
    pair = p.rng.choice(pairs[:3])
    right, wrong = (pair[0], pair[1]) if up else (pair[1], pair[0])
    m = tex(p.metric)
    form = p.rng.choice(["{R} {verb} {m} on {g} by {d} relative to the baseline.",
                         "On {g}, {r} {verb} {m} by {d} compared with the baseline.",
                         "Relative to the baseline, {r} {verb} the {m} on {g} (a change of {d}).",
                         "On {g}, {r} {verb} {m} ({x} against {y} for the baseline)."])
    if "than" in right:
        form = "On {g}, the {m} of {r} {verb} the baseline's, by {d}."
    def say(verb: str) -> str:
        return form.format(R=p.name(run, True), r=p.name(run), verb=verb, m=m, g=g,
                           d=fmt(abs(a - b)), x=fmt(a), y=fmt(b))
    return say(wrong), say(right)


def _comparison(p: Paper, significant: bool | None = None) -> tuple[int, str] | None:
    pairs = [k for k, c in p.sheet.comparisons.items() if c.p_adjusted is not None
             and (significant is None or c.significant == significant)]
    return p.rng.choice(pairs) if pairs else None


def significance_words(p: Paper) -> Plant:
    lie = _comparison(p, False)
    if lie is None:
        return None
    run, g = lie
    truth = _comparison(p, True)
    a, b = p.v(run, g), p.v(0, g)
    form = p.rng.choice([
        "On {g}, {r} is significantly {w} than the baseline ({x} against {y}).",
        "{R} yields a statistically significant change in {m} on {g} ({x} vs.\\ {y}).",
        "The difference between {r} and the baseline on {g} is significant ({x} against {y}).",
        "On {g}, {r} reaches {x}, a statistically significant difference from the baseline's {y}.",
        "The change of {r} on {g} ({x} vs.\\ {y}) is significant after the Holm correction.",
    ])
    def say(run: int, g: str) -> str:
        x, y = p.v(run, g), p.v(0, g)
        return form.format(R=p.name(run, True), r=p.name(run), g=g, m=tex(p.metric),
                           w="higher" if x > y else "lower", x=fmt(x), y=fmt(y))
    if truth is not None:
        return say(run, g), say(*truth)
    if not differ(a, b):
        return None
    twin = (f"On {g}, {p.name(run)} is {'higher' if a > b else 'lower'} than the baseline "
            f"({fmt(a)} against {fmt(b)}), but the difference is not significant.")
    return say(run, g), twin


def significance_p(p: Paper) -> Plant:
    lie = _comparison(p, False)
    if lie is None:
        return None
    run, g = lie
    c = p.sheet.comparisons[lie]
    threshold = p.rng.choice(["0.05", "0.01"])
    form = p.rng.choice([
        "On {g}, the difference between {r} and the baseline is statistically significant "
        "($p < {t}$).",
        "{R} differs from the baseline on {g} (p < {t}).",
        "{R} changes the {m} on {g} ($p<{t}$, Welch's t-test, Holm-corrected).",
        "On {g}, {r} and the baseline differ at $p < {t}$.",
    ])
    truth = _comparison(p, True)
    if truth is not None and (p.sheet.comparisons[truth].p_adjusted or 1) < float(threshold):
        tr, tg = truth
        twin = form.format(R=p.name(tr, True), r=p.name(tr), g=tg, t=threshold, m=tex(p.metric))
    else:
        twin = (f"On {g}, the difference between {p.name(run)} and the baseline is not "
                f"statistically significant (corrected $p = {c.p_adjusted:.3f}$).")
    return form.format(R=p.name(run, True), r=p.name(run), g=g, t=threshold, m=tex(p.metric)), twin


def p_unadjusted(p: Paper) -> Plant:
    candidates = [k for k, c in p.sheet.comparisons.items()
                  if c.p_value is not None and c.p_adjusted is not None and not c.significant]
    if not candidates:
        return None
    run, g = p.rng.choice(candidates)
    c = p.sheet.comparisons[(run, g)]
    lie_p = c.p_value if c.p_value and abs(c.p_value - c.p_adjusted) > 0.002 else None
    if lie_p is None:  # no raw p to misuse: a p-value that was not computed
        lie_p = c.p_adjusted * p.rng.uniform(0.2, 0.6)
    form = p.rng.choice([
        "On {g}, {r} differs from the baseline with a Holm-corrected $p = {pv}$.",
        "The comparison of {r} with the baseline on {g} gives an adjusted p-value of {pv}.",
        "On {g} (corrected p = {pv}), {r} moves the {m} away from the baseline.",
    ])
    return (form.format(g=g, r=p.name(run), pv=f"{lie_p:.3f}", m=tex(p.metric)),
            form.format(g=g, r=p.name(run), pv=f"{c.p_adjusted:.3f}", m=tex(p.metric)))


def difference_as_value(p: Paper) -> Plant:
    """A run's difference from the baseline given as the value it reached (the 1.5B model's
    "run 2 reached a test_kl_divergence of -0.01794")."""
    pair = _comparison(p)
    if pair is None:
        return None
    run, g = pair
    diff, a = p.sheet.comparisons[(run, g)].difference, p.v(run, g)
    if not differ(a, diff) or not differ(abs(diff), p.v(0, g)):
        return None
    form = p.rng.choice(["On {g}, {r} reached a {m} of {x}.", "{R} achieved {x} on {g}.",
                         "On {g}, {r} obtains a {m} of {x}.", "{R} attained a {m} of {x} on {g}.",
                         "On {g}, {r} scored {x} ({m})."])
    def say(x: float) -> str:
        return form.format(R=p.name(run, True), r=p.name(run), g=g, m=tex(p.metric), x=fmt(x))
    return say(diff), say(a)


def average_significance(p: Paper) -> Plant:
    runs = [r for r in {k[0] for k in p.sheet.comparisons}
            if not all(c.significant for (i, _), c in p.sheet.comparisons.items() if i == r)]
    if not runs:
        return None
    run = p.rng.choice(runs)
    a, b = p.sheet.primary_by_run[run], p.sheet.primary_by_run[0]
    word = "higher" if a > b else "lower"
    form = p.rng.choice([
        "Averaged over the groups, {r} is significantly {w} than the baseline ({x} against {y}).",
        "Over all groups, {r} reaches a mean {m} of {x}, significantly {w} than the {y} of the "
        "baseline.",
    ])
    lie = form.format(r=p.name(run), w=word, x=fmt(a), y=fmt(b), m=tex(p.metric))
    twin = form.format(r=p.name(run), w=word, x=fmt(a), y=fmt(b), m=tex(p.metric)).replace(
        "significantly", "not significantly" if "is significantly" in form else "though not "
        "significantly")
    return lie, twin


def number_in_words(p: Paper) -> Plant:
    fractions = [(r.index, g) for r in p.runs for g in p.sheet.groups
                 if 0.2 < p.v(r.index, g) < 0.995]
    if not fractions or not any(m for m in [p.metric] if "acc" in m):
        return _count_in_words(p)
    run, g = p.rng.choice(fractions)
    true = round(p.v(run, g) * 100)
    off = true + p.rng.choice([-1, 1]) * p.rng.randint(3, 12)
    if not 0 < off < 100 or abs(off - p.v(run, g) * 100) < 1:
        return None
    form = p.rng.choice(["On {g}, {r} classifies {w} percent of the validation points correctly.",
                         "{R} reaches {w} percent accuracy on {g}.",
                         "On {g}, {r} gets roughly {w} per cent of the points right.",
                         "With {r}, accuracy on {g} climbs to about {w} percent."])
    def say(n: int) -> str:
        return form.format(g=g, r=p.name(run), R=p.name(run, True), w=words(n))
    return say(off), say(true)


def _count_in_words(p: Paper) -> Plant:
    n = p.sheet.n_seeds
    wrong = p.rng.choice([k for k in (1, 2, 3, 5, 8, 10) if k != n])
    form = p.rng.choice(["Every variant was trained over {w} random seed{s}.",
                         "Results are averaged over {w} independent seed{s}.",
                         "We ran each configuration with {w} different seed{s}."])
    return (form.format(w=words(wrong), s="s" if wrong != 1 else ""),
            form.format(w=words(n), s="s" if n != 1 else ""))


def count(p: Paper) -> Plant:
    n = p.sheet.n_seeds
    confusable = sorted({len(p.sheet.metrics), len(p.sheet.groups), len(p.runs), 5, 10} - {n})
    wrong = p.rng.choice(confusable)
    form = p.rng.choice(["All results are means over {k} seeds.",
                         "We repeat every configuration with {k} different seeds.",
                         "Each number in Table~\\ref{{tab:results}} averages {k} seeds.",
                         "All numbers are means over {k} random seeds (n = {k}).",
                         "Each variant is trained with {k} independent random seeds."])
    if p.rng.random() < 0.3 and len(p.sheet.groups) > 1:
        g = len(p.sheet.groups)
        wrong_g = p.rng.choice([k for k in (2, 3, 4, 5, 6) if k != g])
        form = "We evaluate every variant on {k} datasets." if "dataset" in p.sheet.noun_counts \
            else "We evaluate every variant on {k} groups."
        return form.format(k=wrong_g), form.format(k=g)
    return form.format(k=wrong), form.format(k=n)


#: What each shipped template really uses (read from its code and description), and names
#: that none of them uses: a lie names one of these, its twin one of those.
USED = {"tiny_mlp": ["SGD", "a two-layer MLP"], "optim_digits": ["SGD", "AdamW", "an MLP"],
        "grokking": ["AdamW", "a one-layer Transformer"], "2d_diffusion": ["AdamW", "an MLP denoiser"]}
NEVER = {"dataset": ["MNIST", "CIFAR-10", "ImageNet", "SVHN", "Fashion-MNIST", "CelebA"],
         "model": ["a ResNet-18", "an LSTM", "a VGG network", "a U-Net", "a BERT encoder",
                   "a Vision Transformer"],
         "optimizer": ["RMSProp", "Adagrad", "L-BFGS", "LAMB optimizer", "Adafactor"]}


def name(p: Paper) -> Plant:
    kind = p.rng.choice(list(NEVER))
    lie = p.rng.choice(NEVER[kind])
    g = p.group()
    used = USED.get(p.template, ["the template's model"])
    if kind == "dataset":
        return (f"We evaluate every variant on {lie} and on {g}.",
                f"We evaluate every variant on {g} and on the other groups of the template.")
    model = next((u for u in used if u.startswith(("a ", "an "))), "the template's model")
    if kind == "model":
        return (f"On {g}, we train {lie} for every variant.",
                f"On {g}, we train {model} for every variant.")
    optimizer = next((u for u in used if not u.startswith(("a ", "an "))), "plain SGD")
    return (f"Every variant is trained with {lie} on {g}.",
            f"Every variant is trained with {optimizer} on {g}.")


def derived_label(p: Paper) -> Plant:
    run, g = p.other_run(), p.group()
    a, b = p.v(run, g), p.v(0, g)
    pp = abs(a - b) * 100
    rel = abs(a - b) / abs(b) * 100 if b else 0
    if pp < 0.5 or abs(pp - rel) < 0.3:
        return None
    verb = "raises" if a > b else "lowers"
    m = tex(p.metric)
    # A metric that is no share (a KL divergence) has no percentage points: there only the
    # relative change called percentage points is planted.
    share = percent_scale(p.metric, [s.mean for (_, _, sm), s in p.sheet.stats.items()
                                     if sm == p.metric]) is not None
    if share and p.rng.random() < 0.5:  # percentage points called a relative change
        return (f"On {g}, {p.name(run)} {verb} {m} by {pp:.2f}\\% relative to the baseline.",
                f"On {g}, {p.name(run)} {verb} {m} by {pp:.2f} percentage points relative to "
                f"the baseline.")
    return (f"On {g}, {p.name(run)} {verb} {m} by {rel:.2f} percentage points over the baseline.",
            f"On {g}, {p.name(run)} {verb} {m} by {rel:.2f}\\% over the baseline.")


def derived_cross_row(p: Paper) -> Plant:
    run = p.other_run()
    g1, g2 = p.two_groups()
    a, b_wrong, b_right = p.v(run, g1), p.v(0, g2), p.v(0, g1)
    if not differ(a - b_wrong, a - b_right) or any(
            fmt(a - b_wrong) in (fmt(p.v(run, g) - p.v(0, g)), fmt(p.v(0, g) - p.v(run, g)))
            for g in p.sheet.groups):  # the made-up gap happens to be a true one
        return None
    form = ("On {g1}, {r} reaches {x}, and the baseline reaches {y} on {g2}; the difference "
            "is {d}.")
    lie = form.format(g1=g1, r=p.name(run), x=fmt(a), y=fmt(b_wrong), g2=g2, d=fmt(a - b_wrong))
    twin = form.format(g1=g1, r=p.name(run), x=fmt(a), y=fmt(b_right), g2=g1, d=fmt(a - b_right))
    return lie, twin


def uncertainty_label(p: Paper) -> Plant:
    run, g = p.rng.choice([r.index for r in p.runs]), p.group()
    s = p.sheet.stats[(run, g, p.metric)]
    if s.std is None:
        return None
    se = s.std / s.n ** 0.5
    if not differ(se, s.std):
        return None
    form = p.rng.choice(["On {g}, {r} reaches {x} $\\pm$ {u} ({label}).",
                         "{R} reaches {x} on {g}, with a {label} of {u}.",
                         "On {g}, {r} obtains {x} $\\pm$ {u} (mean $\\pm$ {label} over seeds).",
                         "{R} scores {x} on {g} ({label} {u})."])
    label, right, wrong = p.rng.choice([("standard error", se, s.std),
                                        ("standard deviation", s.std, se)])
    def say(u: float) -> str:
        return form.format(g=g, r=p.name(run), R=p.name(run, True), x=fmt(s.mean), u=fmt(u),
                           label=label)
    return say(wrong), say(right)


def table_invented(p: Paper) -> Plant:
    run = p.other_run()
    groups = p.sheet.groups[:3]
    invented = p.rng.choice(["Adam", "Dropout", "Ours (full)", "Cosine schedule", "Label smoothing",
                             "Large batch"])
    real = p.rng.choice([f"Run {run}", p.sheet.descriptions[run].replace("_", "\\_")])
    header = "Method & " + " & ".join(groups) + " \\\\"
    def table(label: str) -> str:
        rows = ["Baseline & " + " & ".join(fmt(p.v(0, g)) for g in groups) + " \\\\",
                f"{label} & " + " & ".join(fmt(p.v(run, g)) for g in groups) + " \\\\"]
        return ("\\begin{table}[h]\\centering\\begin{tabular}{l" + "c" * len(groups) + "}\n"
                + header + "\n\\midrule\n" + "\n".join(rows) + "\n\\end{tabular}\\end{table}")
    return table(invented), table(real)


def hidden(p: Paper) -> Plant:
    g = p.group()
    sentence = f"On {g}, the baseline reaches {fmt(p.v(0, g))}."
    lie, twin = p.rng.choice([
        (f"\\iffalse {sentence} \\fi", f"\\emph{{{sentence}}}"),
        (f"\\newcommand{{\\best}}{{{fmt(p.v(0, g))}}} On {g}, the baseline reaches \\best.", sentence),
        (f"{{\\color{{white}} {sentence}}}", f"{{\\color{{black}} {sentence}}}"),
        (f"\\phantom{{{sentence}}}", f"\\textbf{{{sentence}}}"),
        (f"{{\\tiny {sentence}}}", f"{{\\small {sentence}}}"),
        (f"\\begin{{comment}} {sentence} \\end{{comment}}", f"\\begin{{quote}} {sentence} \\end{{quote}}"),
    ])
    return lie, twin


def unseeded_significance(p: Paper) -> Plant:
    """With one seed per variant no test ran: any significance is a lie; the twin says so."""
    run, g = p.other_run(), p.group()
    a, b = p.v(run, g), p.v(0, g)
    if not differ(a, b):
        return None
    word = "higher" if a > b else "lower"
    claim, twin = p.rng.choice([
        ("is significantly {w} than the baseline", "is {w} than the baseline, untested"),
        ("differs significantly from the baseline ($p < 0.05$)",
         "differs from the baseline (no test: one seed per variant)"),
        ("is {w} than the baseline with $p = 0.03$", "is {w} than the baseline (no p-value: n = 1)"),
        ("is {w} than the baseline, a statistically significant gap",
         "is {w} than the baseline, a gap no test could assess"),
    ])
    form = "On {g}, {r} {c} ({x} against {y})."
    return (form.format(g=g, r=p.name(run), c=claim.format(w=word), x=fmt(a), y=fmt(b)),
            form.format(g=g, r=p.name(run), c=twin.format(w=word), x=fmt(a), y=fmt(b)))


KINDS: dict[str, tuple[Callable[[Paper], Plant], bool]] = {  # kind: (plant, needs seeds)
    "value of another group": (attribution_group, False),
    "value of another run": (attribution_run, False),
    "run described by settings": (attribution_described, False),
    "wrong direction": (direction, False),
    "significance in words": (significance_words, True),
    "significance by p < x": (significance_p, True),
    "p-value not the computed one": (p_unadjusted, True),
    "significant over groups": (average_significance, True),
    "difference given as a value": (difference_as_value, True),
    "number in words": (number_in_words, False),
    "count of another noun": (count, False),
    "dataset/model/method not used": (name, False),
    "pp called relative and back": (derived_label, False),
    "difference across rows": (derived_cross_row, False),
    "uncertainty label": (uncertainty_label, True),
    "invented table row": (table_invented, False),
    "hidden or macro text": (hidden, False),
    "significance with one seed": (unseeded_significance, False),
}


def flagged(text: str, sheet: FactSheet) -> bool:
    return bool(check_numbers(text, sheet)[1] or check_claims(text, sheet)
                or check_truth(text, sheet, section="Results") or hidden_text(text))


def measure(paper: Paper, counts: dict[str, list[int]], examples: dict[str, list[str]]) -> None:
    for kind, (plant, needs_seeds) in KINDS.items():
        if (needs_seeds and not paper.seeded) or (plant is unseeded_significance and paper.seeded):
            continue
        planted = 0
        for _ in range(PER_KIND * 5):
            if planted == PER_KIND:
                break
            pair = plant(paper)
            if pair is None:
                continue
            planted += 1
            lie, twin = pair
            row = counts.setdefault(kind, [0, 0, 0, 0, 0])
            caught, false_alarm = flagged(lie, paper.sheet), flagged(twin, paper.sheet)
            row[0] += 1
            row[1] += caught
            row[2] += 1
            row[3] += false_alarm
            row[4] += bool(check_numbers(lie, paper.sheet)[1])  # what the number check sees
            if not caught:
                examples.setdefault(kind, []).append(f"[{paper.template}] missed: {lie}")
            if false_alarm:
                examples.setdefault(kind, []).append(f"[{paper.template}] twin flagged: {twin}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", nargs="*", type=Path, help="run folders (default: new offline runs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=0, help="print this many misses per kind")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    counts: dict[str, list[int]] = {}
    examples: dict[str, list[str]] = {}
    papers = 0
    with tempfile.TemporaryDirectory(prefix="aisci-claims-") as tmp:
        runs = args.runs or offline_runs(Path(tmp), BUDGET)
        for run in runs:
            template = json.loads((run / "run.json").read_text())["template"]
            t = load_template(template)
            for path in sorted(run.glob("ideas/*/outcome.json")):
                outcome = IdeaOutcome.model_validate_json(path.read_text())
                if outcome.status != "done":
                    continue
                sheet = fact_sheet(outcome, t.code(), setup=f"{t.description}\n{t.data_source}",
                                   data=t.data_source)
                measure(Paper(outcome, sheet, template, rng), counts, examples)
                papers += 1
    print(f"{papers} papers; {PER_KIND} plants per kind and paper (kinds that need seeds only "
          f"where the runs have them)\n")
    print("| kind | lies caught | true twins flagged | lies the number check alone flags |")
    print("|---|---|---|---|")
    total = [0, 0, 0, 0, 0]
    for kind, (made, caught, true, false, numbers) in counts.items():
        total = [a + b for a, b in zip(total, (made, caught, true, false, numbers), strict=True)]
        print(f"| {kind} | {caught / made:.1%} ({caught}/{made}) | {false / true:.1%} "
              f"({false}/{true}) | {numbers / made:.1%} |")
    if total[0]:
        print(f"| all | {total[1] / total[0]:.1%} ({total[1]}/{total[0]}) | "
              f"{total[3] / total[2]:.1%} ({total[3]}/{total[2]}) | {total[4] / total[0]:.1%} |")
    for kind, lines in examples.items():
        for line in lines[:args.examples]:
            print(f"{kind}: {line}")


if __name__ == "__main__":
    main()
