"""Plot every run_* folder in the current folder: one bar chart per metric.

Usage (in an idea folder that holds run_0/, run_1/, ...): python plot.py
For each metric in final_info.json, saves <metric>.png: the mean of each run on each group,
with its standard error when the run reports one, labelled from labels.json.
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
if not runs:
    raise SystemExit("no run_*/final_info.json found: nothing to plot")
labels = {}
if os.path.exists("labels.json"):
    with open("labels.json") as f:
        labels = json.load(f)

infos = {}
for run in runs:
    with open(os.path.join(run, "final_info.json")) as f:
        infos[run] = json.load(f)
groups = list(infos[runs[0]])
metrics = sorted({m for info in infos.values() for g in info.values()
                  if isinstance(g.get("means"), dict) for m in g["means"]})

for metric in metrics:
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(groups), 3.2))
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        means, errs = [], []
        for group in groups:
            entry = infos[run].get(group, {})
            means.append(float(entry.get("means", {}).get(metric, float("nan"))))
            errs.append(float((entry.get("stderrs") or {}).get(metric, 0.0)))
        ax.bar([j + i * width for j in range(len(groups))], means, width, yerr=errs,
               capsize=2, label=labels.get(run, run))
    ax.set_xticks([j + width * (len(runs) - 1) / 2 for j in range(len(groups))])
    ax.set_xticklabels(groups)
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{metric}.png", dpi=120)
    plt.close(fig)
