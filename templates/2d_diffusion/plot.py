"""Plots comparing every run_* folder in the current directory.

Run as `python plot.py` in a folder holding run_0/, run_1/, ... (each written by
experiment.py). Optional labels.json maps folder names to legend labels, e.g.
{"run_0": "Baseline", "run_1": "Cosine schedule"}. Saves:
  train_loss.png          training-loss curves (smoothed), one panel per dataset
  eval_loss.png           held-out noise-prediction loss over training, one panel per dataset
  generated_samples.png   generated samples (blue) over real samples (grey), run x dataset
  kl_divergence.png       bar chart of the primary metric (KL, lower is better) per dataset
"""

import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PRIMARY = "kl_divergence"


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


def smooth(y, k=10):
    y = np.asarray(y, dtype=float)
    if len(y) < k or k <= 1:
        return y
    return np.convolve(y, np.ones(k) / k, mode="valid")


def metric_of(group):
    means = group.get("means", {}) if isinstance(group, dict) else {}
    return means.get(PRIMARY) if isinstance(means, dict) else None


def main():
    runs = find_runs()
    if not runs:
        print("no run_* folders with final_info.json found")
        return
    labels = load_labels(runs)
    data = {r: load_run(r) for r in runs}
    datasets = []
    for r in runs:
        for name in data[r][0]:
            if name not in datasets:
                datasets.append(name)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color = {r: colors[i % len(colors)] for i, r in enumerate(runs)}
    nd = len(datasets)

    # Training and eval loss curves.
    for key, fname, title in [("train_loss", "train_loss.png", "training loss (smoothed)"),
                              ("eval_loss", "eval_loss.png", "held-out loss")]:
        fig, axes = plt.subplots(1, nd, figsize=(4 * nd, 3.4), squeeze=False)
        for ax, name in zip(axes[0], datasets):
            for r in runs:
                arr, n = data[r][1], data[r][3]
                y, x = arr.get(f"{name}__{key}"), arr.get(f"{name}__{key}_steps")
                if y is None or x is None or y.size == 0:
                    continue
                x = np.atleast_2d(x)[0]
                if key == "train_loss":
                    y = np.stack([smooth(row) for row in np.atleast_2d(y)])
                    x = x[len(x) - y.shape[-1]:]
                mean, lower, upper, n = mean_band(y, 0.0, None)
                ax.plot(x, mean, label=f"{labels[r]} (n = {n})", color=color[r], lw=1.3,
                        marker="o" if key == "eval_loss" else None, ms=3)
                if n > 1:
                    ax.fill_between(x, lower, upper, color=color[r], alpha=0.2)
            n_seeds = max(data[r][3] for r in runs)
            ax.set_title(f"{name}: {title}\n(n = {n_seeds} seed{'s' if n_seeds != 1 else ''}"
                         f"{', mean ± s.e.' if n_seeds > 1 else ''})", fontsize=9)
            ax.set_xlabel("step")
            ax.set_ylabel("MSE")
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(fname, dpi=120)
        plt.close(fig)

    # Generated samples: one row per run, one column per dataset.
    fig, axes = plt.subplots(len(runs), nd, figsize=(3 * nd, 3 * len(runs)), squeeze=False)
    for i, r in enumerate(runs):
        info, arr = data[r][0], data[r][4]  # the samples of the first seed
        for j, name in enumerate(datasets):
            ax = axes[i][j]
            real, samp = arr.get(f"{name}__real"), arr.get(f"{name}__samples")
            if real is not None:
                ax.scatter(real[:, 0], real[:, 1], s=1, c="0.75", alpha=0.4, rasterized=True)
            if samp is not None:
                ax.scatter(samp[:, 0], samp[:, 1], s=1, c="C0", alpha=0.5, rasterized=True)
            kl = metric_of(info.get(name, {}))
            ax.set_title(f"{labels[r]} / {name}" + (f"\nKL={kl:.3f}" if kl is not None else ""),
                         fontsize=9)
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    fig.savefig("generated_samples.png", dpi=110)
    plt.close(fig)

    # Bar chart of the primary metric.
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * nd * max(1, len(runs)) * 0.6 + 2), 3.8))
    width = 0.8 / len(runs)
    xs = np.arange(nd)
    n_seeds = max(data[r][3] for r in runs)
    for i, r in enumerate(runs):
        vals = [metric_of(data[r][0].get(name, {})) for name in datasets]
        vals = [np.nan if v is None else float(v) for v in vals]
        errs = [ci_errors(data[r][2], name, PRIMARY, v) for name, v in zip(datasets, vals)]
        ax.bar(xs + (i - (len(runs) - 1) / 2) * width, vals, width, label=f"{labels[r]} (n = "
               f"{data[r][3]})", color=color[r], capsize=3,
               yerr=[[e[0] for e in errs], [e[1] for e in errs]] if data[r][3] > 1 else None)
    ax.set_xticks(xs)
    ax.set_xticklabels(datasets)
    ax.set_ylabel("KL(real || generated), nats (lower is better)")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_title("sample quality per dataset: mean and 95% CI over n = "
                 f"{n_seeds} seeds" if n_seeds > 1 else "sample quality per dataset (one seed, "
                 "n = 1: no error bars)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig("kl_divergence.png", dpi=120)
    plt.close(fig)
    print(f"plotted {len(runs)} run(s): {', '.join(runs)}")


if __name__ == "__main__":
    main()
