"""A two-layer MLP, written in numpy, trained with mini-batch SGD on synthetic 2-D data.

Small on purpose: the whole baseline (3 datasets x 3 seeds) runs in a few seconds on one CPU
core, so a full research loop can be tried end to end in under a minute.

Usage: python experiment.py --out_dir=run_0 [--seed=N] [--eval_test]
  --seed       one seed instead of every seed in SEEDS
  --eval_test  also measure accuracy on the held-out test data (heldout/test.npz), which
               exists only in the final evaluation of a chosen variant
Writes <out_dir>/final_info.json ({dataset: {"means": {...}, "stderrs": {...}}}) and
<out_dir>/curves.json (per-epoch training loss and validation accuracy).

The grader (protected in template.toml: edits to it are refused) is everything below the
"Grader" line: the data of each split, the accuracy measurement and main(). The method is
everything above it: the knobs, the network and train_one.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

# ---- Knobs (edit these; each on its own line) -------------------------------------------
LEARNING_RATE = 0.05  # SGD step size
MOMENTUM = 0.0  # heavy-ball momentum coefficient (0 = plain SGD)
WEIGHT_DECAY = 0.0  # L2 penalty on the weights
HIDDEN_UNITS = 8  # width of the hidden layer
EPOCHS = 40  # passes over the training set
BATCH_SIZE = 32  # examples per SGD step
ACTIVATION = "tanh"  # "tanh" or "relu"
INIT_SCALE = 1.0  # multiplier on the Xavier initialisation
LABEL_NOISE = 0.0  # fraction of training labels flipped at random
NUM_TRAIN = 600  # training examples per dataset
# -------------------------------------------------------------------------------------------


def activation(z):
    if ACTIVATION == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(z.dtype)
    if ACTIVATION == "tanh":
        h = np.tanh(z)
        return h, 1.0 - h**2
    raise ValueError(f"unknown ACTIVATION {ACTIVATION!r}")


def forward(params, x):
    w1, b1, w2, b2 = params
    z = x @ w1 + b1
    h, dh = activation(z)
    logits = h @ w2 + b2
    return logits[:, 0], h, dh


def predict(params, x):
    """Class 1 where the network's logit is positive (what the grader measures)."""
    return (forward(params, x)[0] > 0).astype(float)


def bce(logits, y):
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


def train_one(x_tr, y_tr, seed, on_epoch):
    """Train on (x_tr, y_tr); call on_epoch(params) after each epoch (it returns the
    validation accuracy, for the curves). Returns (params, curves)."""
    rng = np.random.default_rng(seed)
    if LABEL_NOISE > 0:
        flip = rng.random(len(y_tr)) < LABEL_NOISE
        y_tr = np.where(flip, 1 - y_tr, y_tr)
    s1 = INIT_SCALE * np.sqrt(2.0 / (2 + HIDDEN_UNITS))
    s2 = INIT_SCALE * np.sqrt(2.0 / (HIDDEN_UNITS + 1))
    params = [rng.normal(scale=s1, size=(2, HIDDEN_UNITS)), np.zeros(HIDDEN_UNITS),
              rng.normal(scale=s2, size=(HIDDEN_UNITS, 1)), np.zeros(1)]
    velocity = [np.zeros_like(p) for p in params]
    losses, val_accs = [], []
    for _ in range(EPOCHS):
        order = rng.permutation(len(x_tr))
        for i in range(0, len(order), BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            xb, yb = x_tr[idx], y_tr[idx]
            logits, h, dh = forward(params, xb)
            g_logits = (1.0 / (1.0 + np.exp(-logits)) - yb)[:, None] / len(idx)
            g_w2 = h.T @ g_logits
            g_h = (g_logits @ params[2].T) * dh
            grads = [xb.T @ g_h, g_h.sum(0), g_w2, g_logits.sum(0)]
            for k, (p, g) in enumerate(zip(params, grads)):
                if WEIGHT_DECAY and k in (0, 2):
                    g = g + WEIGHT_DECAY * p
                velocity[k] = MOMENTUM * velocity[k] + g
                p -= LEARNING_RATE * velocity[k]
        losses.append(bce(forward(params, x_tr)[0], y_tr))
        val_accs.append(on_epoch(params))
    if not np.isfinite(losses[-1]):
        raise FloatingPointError(f"training diverged (seed {seed}): loss={losses[-1]}")
    return params, {"train_loss": losses, "val_accuracy": val_accs}


# ---- Grader (protected: the data of each split, the measurement, main) --------------------
SEEDS = [0, 1, 2]  # one training run per seed
DATASETS = ["moons", "circles", "spirals"]  # synthetic tasks, generated in code
NUM_VAL = 400  # validation examples per dataset
DATA_NOISE = 0.2  # std of the Gaussian noise added to the inputs
HELDOUT = "heldout/test.npz"  # test examples per dataset: only in the final evaluation


def make_data(name, n, rng):
    """Synthetic binary classification data in 2-D (no download)."""
    half = n // 2
    if name == "moons":
        t = rng.uniform(0, np.pi, size=half)
        a = np.stack([np.cos(t), np.sin(t)], axis=1)
        b = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    elif name == "circles":
        t = rng.uniform(0, 2 * np.pi, size=(2, half))
        a = np.stack([np.cos(t[0]), np.sin(t[0])], axis=1)
        b = 0.5 * np.stack([np.cos(t[1]), np.sin(t[1])], axis=1)
    elif name == "spirals":
        r = rng.uniform(0.2, 1.0, size=(2, half))
        theta = 3 * np.pi * r
        a = np.stack([r[0] * np.cos(theta[0]), r[0] * np.sin(theta[0])], axis=1)
        b = np.stack([-r[1] * np.cos(theta[1]), -r[1] * np.sin(theta[1])], axis=1)
    else:
        raise ValueError(f"unknown dataset {name!r}")
    x = np.concatenate([a, b]) + rng.normal(scale=DATA_NOISE * 0.5, size=(2 * half, 2))
    y = np.concatenate([np.zeros(half), np.ones(half)])
    order = rng.permutation(2 * half)
    return x[order], y[order]


def load_split(dataset, split, seed):
    """The (x, y) of one split: training and validation drawn from their own streams of the
    seed (so the method's choices never change the validation data); test from HELDOUT."""
    index = DATASETS.index(dataset)
    if split == "train":
        return make_data(dataset, NUM_TRAIN, np.random.default_rng([seed, index, 0]))
    if split == "val":
        return make_data(dataset, NUM_VAL, np.random.default_rng([seed, index, 1]))
    with np.load(HELDOUT, allow_pickle=False) as data:
        return data[f"x_{dataset}"], data[f"y_{dataset}"]


def accuracy(params, x, y):
    return float(np.mean(predict(params, x) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--seed", type=int, default=None,
                        help="run this one seed instead of every seed in SEEDS")
    parser.add_argument("--eval_test", action="store_true",
                        help="also measure test accuracy on the held-out data")
    args = parser.parse_args()
    seeds = SEEDS if args.seed is None else [args.seed]
    os.makedirs(args.out_dir, exist_ok=True)

    final_info, curves = {}, {}
    for dataset in DATASETS:
        runs = []
        for seed in seeds:
            x_tr, y_tr = load_split(dataset, "train", seed)
            x_va, y_va = load_split(dataset, "val", seed)
            start = time.perf_counter()
            params, curve = train_one(x_tr, y_tr, seed, lambda p: accuracy(p, x_va, y_va))
            row = {"val_accuracy": accuracy(params, x_va, y_va),
                   "final_train_loss": bce(forward(params, x_tr)[0], y_tr),
                   "train_time_s": time.perf_counter() - start}
            if args.eval_test:
                row["test_accuracy"] = accuracy(params, *load_split(dataset, "test", seed))
            runs.append((row, curve))
        metrics = list(runs[0][0])
        final_info[dataset] = {
            "means": {m: round(float(np.mean([r[m] for r, _ in runs])), 4) for m in metrics},
            "stderrs": {
                m: round(float(np.std([r[m] for r, _ in runs]) / np.sqrt(len(runs))), 4)
                for m in metrics
            },
        }
        curves[dataset] = {
            key: np.mean([c[key] for _, c in runs], axis=0).round(5).tolist()
            for key in ("train_loss", "val_accuracy")
        }
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)
    with open(os.path.join(args.out_dir, "curves.json"), "w") as f:
        json.dump(curves, f)
    print(json.dumps({d: v["means"] for d, v in final_info.items()}))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # the agent reads stderr: say what failed, then fail
        print(f"experiment failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise
