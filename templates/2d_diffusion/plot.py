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


def load_run(run):
    with open(os.path.join(run, "final_info.json")) as f:
        info = json.load(f)
    arrays = {}
    path = os.path.join(run, "all_results.npz")
    if os.path.isfile(path):
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    return info, arrays


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
                arr = data[r][1]
                y, x = arr.get(f"{name}__{key}"), arr.get(f"{name}__{key}_steps")
                if y is None or x is None or len(y) == 0:
                    continue
                if key == "train_loss":
                    ys = smooth(y)
                    x = x[len(x) - len(ys):]
                    y = ys
                ax.plot(x, y, label=labels[r], color=color[r], lw=1.3,
                        marker="o" if key == "eval_loss" else None, ms=3)
            ax.set_title(f"{name}: {title}")
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
        info, arr = data[r]
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
    for i, r in enumerate(runs):
        vals = [metric_of(data[r][0].get(name, {})) for name in datasets]
        vals = [np.nan if v is None else float(v) for v in vals]
        ax.bar(xs + (i - (len(runs) - 1) / 2) * width, vals, width, label=labels[r], color=color[r])
    ax.set_xticks(xs)
    ax.set_xticklabels(datasets)
    ax.set_ylabel("KL(real || generated), nats (lower is better)")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_title("sample quality per dataset")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig("kl_divergence.png", dpi=120)
    plt.close(fig)
    print(f"plotted {len(runs)} run(s): {', '.join(runs)}")


if __name__ == "__main__":
    main()
