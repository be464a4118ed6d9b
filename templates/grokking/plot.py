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


def load_run(run):
    with open(os.path.join(run, "final_info.json")) as f:
        info = json.load(f)
    arrays = {}
    path = os.path.join(run, "all_results.npz")
    if os.path.isfile(path):
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    return info, arrays


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
                ax.plot(steps, tr, ls="--", color=color[r], lw=1.0, alpha=0.8)
                ax.plot(steps, va, ls="-", color=color[r], lw=1.5, label=labels[r])
            ax.set_title(op)
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
        bars = ax.bar(xs + (i - (len(runs) - 1) / 2) * width, vals, width, label=labels[r],
                      color=color[r])
        for b, h in zip(bars, hatches):
            b.set_hatch(h)
    ax.set_xticks(xs)
    ax.set_xticklabels(ops)
    ax.set_ylabel("steps to 99% val. accuracy (lower is better)")
    ax.set_title("time to generalise (hatched: not reached within the budget)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig("steps_to_grok.png", dpi=120)
    plt.close(fig)
    print(f"plotted {len(runs)} run(s): {', '.join(runs)}")


if __name__ == "__main__":
    main()
