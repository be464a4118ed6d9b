"""Plots comparing every run_* folder in the current directory.

Run as `python plot.py` in a folder holding run_0/, run_1/, ... (each written by
experiment.py). Optional labels.json maps folder names to legend labels, e.g.
{"run_0": "Baseline", "run_1": "Constant schedule"}. Saves:
  train_loss.png   per-epoch training loss (mean over the seed_*/ folders, shaded: +- 1
                   standard error, n in each title),
                   one panel per run, one line per optimizer (log scale)
  val_acc.png     per-epoch validation accuracy, same layout
  lr.png           the learning rate each optimizer used, per epoch, for the first run
  val_acc_bar.png bar chart of the primary metric (final validation accuracy, with the 95 % CI of
                   stats.json, cut at [0, 1])
                   per optimizer and run
"""

import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PRIMARY = "val_acc"


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


def stat(group, key, which):
    d = group.get(which, {}) if isinstance(group, dict) else {}
    v = d.get(key) if isinstance(d, dict) else None
    return np.nan if v is None else float(v)


def main():
    runs = find_runs()
    if not runs:
        print("no run_* folders with final_info.json found")
        return
    labels = load_labels(runs)
    data = {r: load_run(r) for r in runs}
    opts = []
    for r in runs:
        for name in data[r][0]:
            if name not in opts:
                opts.append(name)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color = {o: colors[i % len(colors)] for i, o in enumerate(opts)}

    for key, fname, ylabel, logy in [("train_loss", "train_loss.png", "training loss", True),
                                     ("val_acc", "val_acc.png", "validation accuracy", False)]:
        fig, axes = plt.subplots(1, len(runs), figsize=(4.5 * len(runs), 3.6), squeeze=False,
                                 sharey=True)
        for ax, r in zip(axes[0], runs):
            arr = data[r][1]
            for o in opts:
                y = arr.get(f"{o}__{key}")
                if y is None or y.size == 0:
                    continue
                bounds = (0.0, 1.0) if key == "val_acc" else (1e-12, None)
                mean, lower, upper, n = mean_band(y, *bounds)
                ep = np.arange(1, len(mean) + 1)
                ax.plot(ep, mean, color=color[o], label=o, lw=1.5)
                if n > 1:
                    ax.fill_between(ep, lower, upper, color=color[o], alpha=0.2)
            n = data[r][3]
            ax.set_title(f"{labels[r]} (n = {n} seed{'s' if n != 1 else ''}"
                         f"{', mean ± s.e.' if n > 1 else ''})", fontsize=9)
            ax.set_xlabel("epoch")
            if logy:
                ax.set_yscale("log")
            elif key == "val_acc":
                ax.set_ylim(0.8, 1.0)
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel(ylabel)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(fname, dpi=120)
        plt.close(fig)

    arr = data[runs[0]][1]
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for o in opts:
        y = arr.get(f"{o}__lr")
        if y is not None and y.size:
            ax.plot(np.arange(1, y.shape[-1] + 1), np.atleast_2d(y)[0], color=color[o], label=o)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate (end of epoch)")
    ax.set_title(f"learning rates, {labels[runs[0]]}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig("lr.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(opts) * len(runs) + 2), 3.8))
    width = 0.8 / len(runs)
    xs = np.arange(len(opts))
    run_colors = {r: colors[i % len(colors)] for i, r in enumerate(runs)}
    lo = 1.0
    n_seeds = max(data[r][3] for r in runs)
    for i, r in enumerate(runs):
        info, _, stats, n, _ = data[r]
        means = [stat(info.get(o, {}), PRIMARY, "means") for o in opts]
        errs = [ci_errors(stats, o, PRIMARY, m) for o, m in zip(opts, means)]
        lo = min([lo] + [m for m in means if not np.isnan(m)])
        ax.bar(xs + (i - (len(runs) - 1) / 2) * width, means, width,
               yerr=[[e[0] for e in errs], [e[1] for e in errs]] if n > 1 else None, capsize=3,
               label=f"{labels[r]} (n = {n})", color=run_colors[r])
    ax.set_xticks(xs)
    ax.set_xticklabels(opts)
    ax.set_ylim(max(0.0, lo - 0.05), 1.01)
    ax.set_ylabel("final validation accuracy (higher is better)")
    ax.set_title(f"validation accuracy per optimizer: mean and 95% CI over n = {n_seeds} seeds"
                 if n_seeds > 1 else "validation accuracy per optimizer (one seed, n = 1: no error bars)",
                 fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig("val_acc_bar.png", dpi=120)
    plt.close(fig)
    print(f"plotted {len(runs)} run(s): {', '.join(runs)}")


if __name__ == "__main__":
    main()
