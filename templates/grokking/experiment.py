"""Grokking: a small transformer learns modular arithmetic, long after memorising it.

For each operation (x + y, x - y, x / y modulo a prime P) a fixed TEST_FRACTION of the table
of all pairs (x, y) is held out as test data (used only in the final evaluation of a chosen
variant, with --eval_test); the rest is split at random, per seed, into a training set
(TRAIN_FRACTION of all pairs) and a validation set. A
small transformer reads the sequence "x y =" and predicts the result at the "=" position.
With AdamW and strong weight decay, training accuracy reaches 100% early, and validation
accuracy jumps from chance to ~100% much later ("grokking", Power et al. 2022).

Usage: python experiment.py --out_dir=run_0 [--seed=N] [--eval_test]
  --seed       the seed (operation i uses seed + i); default 0
  --eval_test  also measure the held-out test pairs (step_test_acc_99, test_acc_last10pct,
               final_test_acc)

The grader (protected in template.toml: edits to it are refused) is everything below the
"Grader" line: the table and its splits, the step budget, the evaluation schedule, the
measurement and main(). The method is everything above it: the knobs, the model, the
optimizer and one training step.
Writes, in <out_dir>:
  final_info.json   {operation: {"means": {metric: value}}}
  all_results.npz   per operation: eval steps and train/val accuracy and loss curves
                    (keys "<operation>__<name>"; plain arrays, no pickle)
  config.json       the knob values used for this run

Metrics per operation:
  step_val_acc_99    first evaluated step at which validation accuracy >= 99% (lower is
                     better). If it never gets there, this is NUM_STEPS (censored) and
                     grokked = 0.
  step_train_acc_99  first evaluated step at which training accuracy >= 99% (memorisation).
  grokked            1 if validation accuracy reached 99%, else 0.
  val_acc_last10pct  mean validation accuracy over the last 10% of the evaluations (robust to
                     the brief loss spikes that Adam with strong weight decay shows late in training).
  final_train_acc, final_val_acc, final_train_loss, final_val_loss   at the last step.
  train_time         seconds of training (including the periodic evaluations).
"""

import argparse
import json
import math
import os
import sys
import time
import traceback

import numpy as np

# Idle OpenMP threads sleep instead of spinning: on a shared or CPU-quota-limited machine,
# spinning threads can make small models many times slower. Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# ---- Knobs (edit these; each on its own line) -------------------------------------------
TRAIN_FRACTION = 0.5  # fraction of all (x, y) pairs used for training (at most 0.8)
NUM_LAYERS = 1  # transformer blocks
MODEL_DIM = 64  # residual stream width
NUM_HEADS = 4  # attention heads
MLP_RATIO = 4  # MLP hidden width = MLP_RATIO * MODEL_DIM
USE_LAYERNORM = True  # pre-LayerNorm in each block and before the unembedding
LEARNING_RATE = 1e-3  # peak AdamW learning rate
WEIGHT_DECAY = 1.0  # AdamW (decoupled) weight decay; grokking depends strongly on this
BETA1 = 0.9  # AdamW beta1
BETA2 = 0.98  # AdamW beta2
WARMUP_STEPS = 10  # linear learning-rate warmup, then constant
BATCH_SIZE = 128  # examples per step (0 = full batch: the whole training set each step)
INIT_STD = 0.02  # std of the normal initialisation of embeddings and linear weights
NUM_THREADS = 0  # torch CPU threads (0 = min(2, available cores))
# -------------------------------------------------------------------------------------------


# ---- Model --------------------------------------------------------------------------------
class Block(nn.Module):
    def __init__(self, d, heads, mlp_ratio, use_ln):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d) if use_ln else nn.Identity()
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d) if use_ln else nn.Identity()
        self.fc1 = nn.Linear(d, mlp_ratio * d)
        self.fc2 = nn.Linear(mlp_ratio * d, d)

    def forward(self, x, last_only=False):
        """Causal self-attention + MLP. With last_only, only the last position is computed
        (it attends to every position, so its output is exactly that of the full block)."""
        b, s, d = x.shape
        hd = d // self.heads
        h = self.ln1(x)
        k, v = self.kv(h).split(d, dim=-1)
        if last_only:
            x, h = x[:, -1:], h[:, -1:]
        q = self.q(h)
        q, k, v = (t.reshape(b, -1, self.heads, hd).transpose(1, 2) for t in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=not last_only)
        x = x + self.proj(a.transpose(1, 2).reshape(b, -1, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Transformer(nn.Module):
    def __init__(self, vocab, n_out, seq_len):
        super().__init__()
        if MODEL_DIM % NUM_HEADS:
            raise ValueError(f"MODEL_DIM={MODEL_DIM} is not divisible by NUM_HEADS={NUM_HEADS}")
        self.tok = nn.Embedding(vocab, MODEL_DIM)
        self.pos = nn.Parameter(torch.zeros(seq_len, MODEL_DIM))
        self.blocks = nn.ModuleList(
            [Block(MODEL_DIM, NUM_HEADS, MLP_RATIO, USE_LAYERNORM) for _ in range(NUM_LAYERS)])
        self.ln_f = nn.LayerNorm(MODEL_DIM) if USE_LAYERNORM else nn.Identity()
        self.head = nn.Linear(MODEL_DIM, n_out)
        for name, prm in self.named_parameters():
            if prm.dim() >= 2 or name == "pos":
                nn.init.normal_(prm, std=INIT_STD)
            elif name.endswith("bias"):
                nn.init.zeros_(prm)

    def forward(self, idx):
        x = self.tok(idx) + self.pos[None, : idx.shape[1]]
        for i, blk in enumerate(self.blocks):
            # only the "=" position is read out, so the last block computes only that position
            x = blk(x, last_only=(i == len(self.blocks) - 1))
        return self.head(self.ln_f(x[:, -1]))  # read out at the "=" position


# ---- Training: the method ------------------------------------------------------------------
def make_optimizer(model):
    """The optimizer and its learning-rate schedule (stepped once per training step)."""
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, betas=(BETA1, BETA2),
                            weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP_STEPS) if WARMUP_STEPS > 0 else 1.0)
    return opt, sched


class Batches:
    """Mini-batches of the training set, reshuffled after each pass."""

    def __init__(self, n_train, gen, device):
        self.n, self.gen, self.device = n_train, gen, device
        self.size = n_train if BATCH_SIZE <= 0 or BATCH_SIZE >= n_train else BATCH_SIZE
        self.perm, self.pos = torch.randperm(n_train, generator=gen, device=device), 0

    def next(self, xtr, ytr):
        if self.size == self.n:
            return xtr, ytr
        if self.pos + self.size > self.n:
            self.perm, self.pos = torch.randperm(self.n, generator=self.gen, device=self.device), 0
        b = self.perm[self.pos:self.pos + self.size]
        self.pos += self.size
        return xtr[b], ytr[b]


def train_step(model, opt, sched, xb, yb):
    """One optimisation step on one batch."""
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()


# ---- Grader (protected: the data, the budget, the measurement, main) ---------------------
OPERATIONS = ["x_plus_y", "x_minus_y", "x_div_y"]  # tasks; see make_table for the definitions
PRIME = 53  # modulus P (a prime, so that division is defined)
TEST_FRACTION = 0.2  # fraction of all pairs held out as test data (fixed for every run)
SPLIT_SEED = 12345  # which pairs are test pairs
NUM_STEPS = 3000  # optimisation steps per operation (the budget: steps_to_99 is censored here)
EVAL_EVERY = 25  # evaluate train/val accuracy and loss every this many steps


def make_table(op, p):
    """All (x, y, result) triples of the operation modulo p."""
    xs, ys, zs = [], [], []
    for x in range(p):
        for y in range(p):
            if op == "x_plus_y":
                z = (x + y) % p
            elif op == "x_minus_y":
                z = (x - y) % p
            elif op == "x_div_y":
                if y == 0:
                    continue
                z = (x * pow(y, p - 2, p)) % p  # y^(p-2) is the inverse of y modulo a prime p
            elif op == "x2_plus_xy_plus_y2":
                z = (x * x + x * y + y * y) % p
            else:
                raise ValueError(f"unknown operation {op!r} (known: x_plus_y, x_minus_y, "
                                 "x_div_y, x2_plus_xy_plus_y2)")
            xs.append(x)
            ys.append(y)
            zs.append(z)
    eq = p  # token id of "="
    inputs = np.stack([xs, ys, [eq] * len(xs)], axis=1)
    return inputs.astype(np.int64), np.array(zs, dtype=np.int64)



def load_splits(op, seed, with_test):
    """(train, val, test) of one operation as (inputs, labels) pairs; test only with_test.
    The test pairs are the same for every seed and every variant."""
    inputs, labels = make_table(op, PRIME)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    n_test = int(round(TEST_FRACTION * len(labels)))
    test, rest = order[:n_test], order[n_test:]
    rest = rest[np.random.default_rng(seed).permutation(len(rest))]
    n_train = int(round(TRAIN_FRACTION * len(labels)))
    if n_train < 1 or n_train >= len(rest):
        raise ValueError(f"TRAIN_FRACTION={TRAIN_FRACTION} leaves an empty train or validation "
                         f"set (at most {1 - TEST_FRACTION:g} minus one pair)")
    tr, va = rest[:n_train], rest[n_train:]
    return ((inputs[tr], labels[tr]), (inputs[va], labels[va]),
            (inputs[test], labels[test]) if with_test else None)


@torch.no_grad()
def evaluate(model, x, y, chunk=8192):
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(y), chunk):
        logits = model(x[i:i + chunk])
        loss += float(F.cross_entropy(logits, y[i:i + chunk], reduction="sum"))
        correct += int((logits.argmax(-1) == y[i:i + chunk]).sum())
    model.train()
    return loss / len(y), correct / len(y)


def run_operation(op, seed, device, with_test):
    rng_seed = seed
    torch.manual_seed(rng_seed)
    gen = torch.Generator(device=device).manual_seed(rng_seed)
    splits = load_splits(op, rng_seed, with_test)
    data = {name: tuple(torch.tensor(a, device=device) for a in pair)
            for name, pair in zip(("train", "val", "test"), splits) if pair is not None}
    xtr, ytr = data["train"]

    model = Transformer(vocab=PRIME + 1, n_out=PRIME, seq_len=xtr.shape[1]).to(device)
    opt, sched = make_optimizer(model)
    batches = Batches(len(ytr), gen, device)
    curves = {"steps": []}
    for name in data:
        curves[f"{name}_acc"], curves[f"{name}_loss"] = [], []
    first99 = {}

    t0 = time.time()
    for step in range(1, NUM_STEPS + 1):
        train_step(model, opt, sched, *batches.next(xtr, ytr))
        if step % EVAL_EVERY == 0 or step == NUM_STEPS:
            curves["steps"].append(step)
            for name, (x, y) in data.items():
                loss, acc = evaluate(model, x, y)
                if not math.isfinite(loss):
                    raise RuntimeError(f"[{op}] training diverged (non-finite loss) at step "
                                       f"{step}; try a lower LEARNING_RATE")
                curves[f"{name}_acc"].append(acc)
                curves[f"{name}_loss"].append(loss)
                if name not in first99 and acc >= 0.99:
                    first99[name] = step
    train_time = time.time() - t0

    tail = max(1, len(curves["val_acc"]) // 10)
    metrics = {
        "step_val_acc_99": first99.get("val", NUM_STEPS),
        "step_train_acc_99": first99.get("train", NUM_STEPS),
        "grokked": 1 if "val" in first99 else 0,
        "val_acc_last10pct": float(np.mean(curves["val_acc"][-tail:])),
        "final_train_acc": curves["train_acc"][-1],
        "final_val_acc": curves["val_acc"][-1],
        "final_train_loss": curves["train_loss"][-1],
        "final_val_loss": curves["val_loss"][-1],
        "train_time": train_time,
    }
    if with_test:
        metrics["step_test_acc_99"] = first99.get("test", NUM_STEPS)
        metrics["test_acc_last10pct"] = float(np.mean(curves["test_acc"][-tail:]))
        metrics["final_test_acc"] = curves["test_acc"][-1]
    arrays = {k: np.asarray(v, dtype=np.int64 if k == "steps" else np.float32)
              for k, v in curves.items()}
    return metrics, arrays


def knobs():
    return {k: v for k, v in globals().items() if k.isupper() and not k.startswith("_")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--seed", type=int, default=0, help="the seed (operation i: seed + i)")
    parser.add_argument("--eval_test", action="store_true",
                        help="also measure the held-out test pairs")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    if NUM_THREADS > 0:
        torch.set_num_threads(NUM_THREADS)
    else:
        try:
            avail = len(os.sched_getaffinity(0))
        except AttributeError:
            avail = os.cpu_count() or 1
        torch.set_num_threads(max(1, min(2, avail)))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    final_info, arrays = {}, {}
    t_start = time.time()
    for i, op in enumerate(OPERATIONS):
        metrics, curves = run_operation(op, args.seed + i, device, args.eval_test)
        final_info[op] = {"means": {k: round(float(v), 6) for k, v in metrics.items()}}
        for k, v in curves.items():
            arrays[f"{op}__{k}"] = v
        print(f"[{op}] " + ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()), flush=True)

    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_info, f, indent=2)
    np.savez(os.path.join(args.out_dir, "all_results.npz"), **arrays)
    with open(os.path.join(args.out_dir, "config.json"), "w") as f:
        json.dump(knobs(), f, indent=2, default=str)
    print(f"done in {time.time() - t_start:.1f}s on {device}; results in {args.out_dir}")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the agent sees stderr: make the reason clear
        traceback.print_exc()
        print(f"experiment failed: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
