"""Plot every run_* folder next to this script's working directory.

Usage (in an idea folder that holds run_0/, run_1/, ...): python plot.py
Saves train_loss.png, val_accuracy.png and final_accuracy.png in the current folder.

Each run folder holds one seed_<s>/ folder per seed. The curves are the mean over the seeds
with a band of +- one standard error; the bars are the mean over the seeds with the 95 %
confidence interval of run_*/stats.json (already cut at the metric's range). Every figure
says how many seeds (n) it shows; with one seed there is no band and no error bar.
"""

import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

runs = sorted(
    (d for d in os.listdir(".") if re.fullmatch(r"run_\d+", d)
     and os.path.exists(os.path.join(d, "final_info.json"))),
    key=lambda d: int(d.split("_")[1]),
)
labels = {}
if os.path.exists("labels.json"):
    with open("labels.json") as f:
        labels = json.load(f)
if not runs:
    raise SystemExit("no run_*/final_info.json found: nothing to plot")


def seed_dirs(run):
    seeds = sorted((d for d in os.listdir(run) if re.fullmatch(r"seed_\d+", d)
                    and os.path.isdir(os.path.join(run, d))), key=lambda d: int(d[5:]))
    return [os.path.join(run, d) for d in seeds] or [run]


def load_curves(run):
    """One curves.json per seed (the run folder's own when it has no seed folders)."""
    out = []
    for d in seed_dirs(run):
        path = os.path.join(d, "curves.json")
        if os.path.exists(path):
            with open(path) as f:
                out.append(json.load(f))
    return out


def band(curves):
    """The mean and the standard error over seeds (curves cut to the shortest), and n."""
    curves = [np.asarray(c, dtype=float) for c in curves if c]
    if not curves:
        return None
    k = min(len(c) for c in curves)
    y = np.stack([c[:k] for c in curves])
    mean = y.mean(axis=0)
    se = y.std(axis=0, ddof=1) / np.sqrt(len(y)) if len(y) > 1 else np.zeros_like(mean)
    return mean, se, len(y)


def load_stats(run):
    path = os.path.join(run, "stats.json")
    if not os.path.exists(path):
        return {}, 1
    with open(path) as f:
        stats = json.load(f)
    return stats.get("groups", {}), int(stats.get("n_seeds", 1))


results = {}
for run in runs:
    with open(os.path.join(run, "final_info.json")) as f:
        info = json.load(f)
    results[run] = (info, load_curves(run), *load_stats(run))

n_seeds = max(results[r][3] for r in runs)
seeds_note = f"n = {n_seeds} seed{'s' if n_seeds != 1 else ''}" + (
    ", mean ± s.e." if n_seeds > 1 else "")
datasets = list(results[runs[0]][0])
for key, ylabel, bounds in (("train_loss", "training loss (BCE)", (0.0, None)),
                            ("val_accuracy", "validation accuracy", (0.0, 1.0))):
    fig, axes = plt.subplots(1, len(datasets), figsize=(4 * len(datasets), 3.4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        for run in runs:
            got = band([c.get(dataset, {}).get(key) for c in results[run][1]])
            if got is None:
                continue
            mean, se, n = got
            x = range(1, len(mean) + 1)
            line, = ax.plot(x, mean, label=f"{labels.get(run, run)} (n = {n})")
            if n > 1:
                low, high = np.clip(mean - se, bounds[0], bounds[1]), np.clip(mean + se, bounds[0],
                                                                               bounds[1])
                ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2)
        ax.set_title(f"{dataset} ({seeds_note})", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{key}.png", dpi=120)
    plt.close(fig)

fig, ax = plt.subplots(figsize=(1.6 + 1.6 * len(datasets), 3.4))
width = 0.8 / len(runs)
for i, run in enumerate(runs):
    info, _, stats, n = results[run]
    means, low_err, high_err = [], [], []
    for d in datasets:
        s = stats.get(d, {}).get("val_accuracy", {})
        m = s.get("mean", info.get(d, {}).get("means", {}).get("val_accuracy", np.nan))
        lo, hi = s.get("ci_low"), s.get("ci_high")
        means.append(m)
        low_err.append(max(0.0, m - lo) if lo is not None else 0.0)
        high_err.append(max(0.0, hi - m) if hi is not None else 0.0)
    ax.bar([j + i * width for j in range(len(datasets))], means, width,
           yerr=[low_err, high_err] if n > 1 else None, capsize=3,
           label=f"{labels.get(run, run)} (n = {n})")
ax.set_xticks([j + width * (len(runs) - 1) / 2 for j in range(len(datasets))])
ax.set_xticklabels(datasets)
ax.set_ylabel("final validation accuracy")
ax.set_title("mean and 95% CI over seeds" if n_seeds > 1 else "one seed (n = 1): no error bars",
             fontsize=9)
ax.set_ylim(0.4, 1.02)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig("final_accuracy.png", dpi=120)
plt.close(fig)
