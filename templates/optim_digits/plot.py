"""Plots comparing every run_* folder in the current directory.

Run as `python plot.py` in a folder holding run_0/, run_1/, ... (each written by
experiment.py). Optional labels.json maps folder names to legend labels, e.g.
{"run_0": "Baseline", "run_1": "Constant schedule"}. Saves:
  train_loss.png   per-epoch training loss (mean over seeds, shaded: +- 1 standard error),
                   one panel per run, one line per optimizer (log scale)
  val_acc.png     per-epoch validation accuracy, same layout
  lr.png           the learning rate each optimizer used, per epoch, for the first run
  val_acc_bar.png bar chart of the primary metric (final validation accuracy, with standard errors)
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


def load_run(run):
    with open(os.path.join(run, "final_info.json")) as f:
        info = json.load(f)
    arrays = {}
    path = os.path.join(run, "all_results.npz")
    if os.path.isfile(path):
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    return info, arrays


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
                y = np.atleast_2d(y)
                mean = y.mean(0)
                se = y.std(0, ddof=1) / np.sqrt(len(y)) if len(y) > 1 else np.zeros_like(mean)
                ep = np.arange(1, len(mean) + 1)
                ax.plot(ep, mean, color=color[o], label=o, lw=1.5)
                ax.fill_between(ep, mean - se, mean + se, color=color[o], alpha=0.2)
            ax.set_title(labels[r])
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
    for i, r in enumerate(runs):
        info = data[r][0]
        means = [stat(info.get(o, {}), PRIMARY, "means") for o in opts]
        errs = [stat(info.get(o, {}), PRIMARY, "stderrs") for o in opts]
        errs = [0 if np.isnan(e) else e for e in errs]
        lo = min([lo] + [m for m in means if not np.isnan(m)])
        ax.bar(xs + (i - (len(runs) - 1) / 2) * width, means, width, yerr=errs, capsize=3,
               label=labels[r], color=run_colors[r])
    ax.set_xticks(xs)
    ax.set_xticklabels(opts)
    ax.set_ylim(max(0.0, lo - 0.05), 1.0)
    ax.set_ylabel("final validation accuracy (higher is better)")
    ax.set_title("validation accuracy per optimizer (mean +- s.e. over seeds)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig("val_acc_bar.png", dpi=120)
    plt.close(fig)
    print(f"plotted {len(runs)} run(s): {', '.join(runs)}")


if __name__ == "__main__":
    main()
