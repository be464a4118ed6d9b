"""Plot every run_* folder next to this script's working directory.

Usage (in an idea folder that holds run_0/, run_1/, ...): python plot.py
Saves train_loss.png, val_accuracy.png and final_accuracy.png in the current folder.
"""

import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

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

results = {}
for run in runs:
    with open(os.path.join(run, "final_info.json")) as f:
        info = json.load(f)
    curves = {}
    if os.path.exists(os.path.join(run, "curves.json")):
        with open(os.path.join(run, "curves.json")) as f:
            curves = json.load(f)
    results[run] = (info, curves)

datasets = list(results[runs[0]][0])
for key, ylabel in (("train_loss", "training loss (BCE)"), ("val_accuracy", "validation accuracy")):
    fig, axes = plt.subplots(1, len(datasets), figsize=(4 * len(datasets), 3.2), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        for run in runs:
            curve = results[run][1].get(dataset, {}).get(key)
            if curve:
                ax.plot(range(1, len(curve) + 1), curve, label=labels.get(run, run))
        ax.set_title(dataset)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{key}.png", dpi=120)
    plt.close(fig)

fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(datasets), 3.2))
width = 0.8 / len(runs)
for i, run in enumerate(runs):
    means = [results[run][0].get(d, {}).get("means", {}).get("val_accuracy", 0.0) for d in datasets]
    ax.bar([j + i * width for j in range(len(datasets))], means, width, label=labels.get(run, run))
ax.set_xticks([j + width * (len(runs) - 1) / 2 for j in range(len(datasets))])
ax.set_xticklabels(datasets)
ax.set_ylabel("final validation accuracy")
ax.set_ylim(0.4, 1.0)
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig("final_accuracy.png", dpi=120)
plt.close(fig)
