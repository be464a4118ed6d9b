"""Plots comparing every run_* folder in the current directory.

Run as `python plot.py` in a folder holding run_0/, run_1/, ... (each written by
experiment.py). Optional labels.json maps folder names to legend labels, e.g.
{"run_0": "Baseline", "run_1": "Weight decay 0.3"}. Saves:
  accuracy.png          train (dashed) and validation (solid) accuracy, one panel per operation
  loss.png              train (dashed) and validation (solid) loss (log scale), per operation
  steps_to_grok.png     bar chart of the primary metric: steps to 99% validation accuracy
                        (hatched bars: never reached, value = the step budget)
"""

import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PRIMARY = "step_val_acc_99"


def find_runs():
    runs = []
    for d in os.listdir("."):
        m = re.fullmatch(r"run_(\d+)", d)
        if m and os.path.isdir(d) and os.path.isfile(os.path.join(d, "final_info.json")):
            runs.append((int(m.group(1)), d))
    return [d for _, d in sorted(runs)]


def load_labels(runs):
    labels = {r: r for r in runs}
    if os.path.isfile("labels.json"):
        try:
            with open("labels.json") as f:
                labels.update({k: str(v) for k, v in json.load(f).items() if k in labels})
        except (OSError, ValueError) as e:
            print(f"warning: ignoring labels.json ({e})")
    return labels


def seed_dirs(run):
    """The run's seed_<s>/ folders (aisci runs each seed apart), or the run folder itself."""
    seeds = sorted((d for d in os.listdir(run) if re.fullmatch(r"seed_\d+", d)
                    and os.path.isdir(os.path.join(run, d))), key=lambda d: int(d[5:]))
    return [os.path.join(run, d) for d in seeds] or [run]


def load_run(run):
    """final_info.json (the mean over seeds), every seed's arrays stacked along a first axis,
    and stats.json's groups (mean, 95 % CI cut at the metric's range) with the seed count."""
    with open(os.path.join(run, "final_info.json")) as f:
        info = json.load(f)
    per_seed = []
    for d in seed_dirs(run):
        path = os.path.join(d, "all_results.npz")
        if os.path.isfile(path):
            with np.load(path, allow_pickle=False) as z:
                per_seed.append({k: z[k] for k in z.files})
    arrays = {}
    for k in (per_seed[0] if per_seed else {}):
        parts = [np.atleast_2d(a[k]) for a in per_seed if k in a and np.size(a[k])]
        width = min((p.shape[-1] for p in parts), default=0)
        if parts and width:
            arrays[k] = np.concatenate([p[..., :width].reshape(-1, width) for p in parts])
    stats, n = {}, 1
    if os.path.isfile(os.path.join(run, "stats.json")):
        with open(os.path.join(run, "stats.json")) as f:
            record = json.load(f)
        stats, n = record.get("groups", {}), int(record.get("n_seeds", 1))
    return info, arrays, stats, n, (per_seed[0] if per_seed else {})


def ci_errors(stats, group, metric, mean):
    """(below, above) the mean: the 95 % interval of stats.json, or none."""
    s = stats.get(group, {}).get(metric, {})
    lo, hi = s.get("ci_low"), s.get("ci_high")
    if lo is None or hi is None or mean is None or np.isnan(mean):
        return 0.0, 0.0
    return max(0.0, mean - lo), max(0.0, hi - mean)


def mean_band(y, low=None, high=None):
    """The mean over the first axis (seeds) with +- one standard error, cut to [low, high]."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    mean = y.mean(0)
    se = y.std(0, ddof=1) / np.sqrt(len(y)) if len(y) > 1 else np.zeros_like(mean)
    lower, upper = mean - se, mean + se
    if low is not None or high is not None:
        lower, upper = np.clip(lower, low, high), np.clip(upper, low, high)
    return mean, lower, upper, len(y)


def means_of(group):
    means = group.get("means", {}) if isinstance(group, dict) else {}
    return means if isinstance(means, dict) else {}


def main():
    runs = find_runs()
    if not runs:
        print("no run_* folders with final_info.json found")
        return
    labels = load_labels(runs)
    data = {r: load_run(r) for r in runs}
    ops = []
    for r in runs:
        for name in data[r][0]:
            if name not in ops:
                ops.append(name)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color = {r: colors[i % len(colors)] for i, r in enumerate(runs)}
    n = len(ops)

    for kind, fname in [("acc", "accuracy.png"), ("loss", "loss.png")]:
        fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 3.6), squeeze=False)
        for ax, op in zip(axes[0], ops):
            for r in runs:
                arr = data[r][1]
                steps = arr.get(f"{op}__steps")
                tr, va = arr.get(f"{op}__train_{kind}"), arr.get(f"{op}__val_{kind}")
                if steps is None or tr is None or va is None:
                    continue
                steps = np.atleast_2d(steps)[0]
                bounds = (0.0, 1.0) if kind == "acc" else (1e-12, None)
                tr_mean = mean_band(tr, *bounds)[0]
                va_mean, lower, upper, seeds = mean_band(va, *bounds)
                ax.plot(steps[:len(tr_mean)], tr_mean, ls="--", color=color[r], lw=1.0, alpha=0.8)
                ax.plot(steps[:len(va_mean)], va_mean, ls="-", color=color[r], lw=1.5,
                        label=f"{labels[r]} (n = {seeds})")
                if seeds > 1:
                    ax.fill_between(steps[:len(va_mean)], lower, upper, color=color[r], alpha=0.2)
            n_seeds = max(data[r][3] for r in runs)
            ax.set_title(f"{op} (n = {n_seeds} seed{'s' if n_seeds != 1 else ''}"
                         f"{', mean ± s.e.' if n_seeds > 1 else ''})", fontsize=9)
            ax.set_xlabel("optimisation step")
            if kind == "acc":
                ax.set_ylabel("accuracy (dashed: train, solid: val)")
                ax.set_ylim(-0.02, 1.02)
            else:
                ax.set_ylabel("cross-entropy (dashed: train, solid: val)")
                ax.set_yscale("log")
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(fname, dpi=120)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(6, 0.9 * n * len(runs) + 2), 3.8))
    width = 0.8 / len(runs)
    xs = np.arange(n)
    for i, r in enumerate(runs):
        info = data[r][0]
        vals, hatches = [], []
        for op in ops:
            m = means_of(info.get(op, {}))
            v = m.get(PRIMARY)
            vals.append(np.nan if v is None else float(v))
            hatches.append("//" if m.get("grokked", 1) == 0 else "")
        seeds = data[r][3]
        errs = [ci_errors(data[r][2], op, PRIMARY, v) for op, v in zip(ops, vals)]
        bars = ax.bar(xs + (i - (len(runs) - 1) / 2) * width, vals, width,
                      label=f"{labels[r]} (n = {seeds})", color=color[r], capsize=3,
                      yerr=[[e[0] for e in errs], [e[1] for e in errs]] if seeds > 1 else None)
        for b, h in zip(bars, hatches):
            b.set_hatch(h)
    ax.set_xticks(xs)
    ax.set_xticklabels(ops)
    ax.set_ylabel("steps to 99% val. accuracy (lower is better)")
    seeds = max(data[r][3] for r in runs)
    ax.set_title("time to generalise (hatched: not reached within the budget); "
                 + (f"mean and 95% CI over n = {seeds} seeds" if seeds > 1 else "n = 1 seed"),
                 fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig("steps_to_grok.png", dpi=120)
    plt.close(fig)
    print(f"plotted {len(runs)} run(s): {', '.join(runs)}")


if __name__ == "__main__":
    main()
