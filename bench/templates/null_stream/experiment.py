"""A null template for bench/selection_bias.py: every variant is, in truth, the baseline.

A logistic-regression classifier is trained by SGD on two synthetic 2-D tasks. The only knob,
STREAM, picks which random stream training draws its initialisation and batch order from: it
changes nothing in expectation, so any gain a search finds by changing it is selection noise.

Usage: python experiment.py --out_dir=run_0 [--seed=N] [--eval_test]
"""

import argparse
import json
import os

import numpy as np

# ---- Knobs (edit these; each on its own line) -------------------------------------------
STREAM = 3  # the random stream of training (initialisation and batch order)
# -------------------------------------------------------------------------------------------


def train(x, y, seed):
    """Logistic regression, a few epochs of SGD from a random start."""
    rng = np.random.default_rng([seed, STREAM, REPLICATE])  # replicates: independent streams
    w = rng.normal(scale=1.0, size=3)
    xb = np.hstack([x, np.ones((len(x), 1))])
    for _ in range(3):
        for i in rng.permutation(len(x)):
            p = 1.0 / (1.0 + np.exp(-xb[i] @ w))
            w -= 0.05 * (p - y[i]) * xb[i]
    return w


def predict(w, x):
    return (np.hstack([x, np.ones((len(x), 1))]) @ w > 0).astype(float)


# ---- Grader (protected) -------------------------------------------------------------------
REPLICATE = 0  # which replicate of the benchmark (shifts every data draw)
SEEDS = [0, 1, 2]
GROUPS = ["near", "far"]
NUM_TRAIN = 40
NUM_VAL = 60
HELDOUT = "heldout/test.npz"


def make_data(group, n, rng):
    gap = 0.6 if group == "near" else 1.2
    y = (rng.random(n) < 0.5).astype(float)
    x = rng.normal(size=(n, 2)) + np.outer(2 * y - 1, [gap, 0.0])
    return x, y


def load_split(group, split, seed):
    index = GROUPS.index(group)
    if split == "test":
        with np.load(HELDOUT, allow_pickle=False) as data:
            return data[f"x_{group}"], data[f"y_{group}"]
    n, stream = (NUM_TRAIN, 0) if split == "train" else (NUM_VAL, 1)
    return make_data(group, n, np.random.default_rng([REPLICATE, seed, index, stream]))


def accuracy(w, x, y):
    return float(np.mean(predict(w, x) == y))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out_dir", default="run_0")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--eval_test", action="store_true")
    args = parser.parse_args()
    seeds = SEEDS if args.seed is None else [args.seed]
    final_info = {}
    for group in GROUPS:
        rows = []
        for seed in seeds:
            w = train(*load_split(group, "train", seed), seed)
            row = {"val_accuracy": accuracy(w, *load_split(group, "val", seed))}
            if args.eval_test:
                row["test_accuracy"] = accuracy(w, *load_split(group, "test", seed))
            rows.append(row)
        final_info[group] = {"means": {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}}
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)


if __name__ == "__main__":
    main()
