"""Optimizers and learning-rate schedules for a small MLP on scikit-learn's digits dataset.

The 8x8 handwritten digits (1,797 images, 10 classes) ship inside scikit-learn
(sklearn.datasets.load_digits reads a file bundled with the package: no download). Fixed
stratified splits give 1,149 training, 288 validation and 360 test images; the test images are
measured only in the final evaluation of a chosen variant (--eval_test). Each optimizer in
OPTIMIZERS trains the same MLP from the same initialisations for every seed in SEEDS:

  sgd        SGD with heavy-ball momentum (torch.optim.SGD), schedule SCHEDULE
  adamw      AdamW (torch.optim.AdamW), schedule SCHEDULE
  sf_sgd     Schedule-Free SGD (Defazio et al. 2024), written out below; warmup only
  sf_adamw   Schedule-Free AdamW (Defazio et al. 2024), written out below; warmup only

Schedule-free methods keep three sequences: z (the SGD/Adam iterate), x (a weighted running
average of z, used for evaluation) and y = (1 - beta1) z + beta1 x (where gradients are taken).
They need no decay schedule and no knowledge of the training length.

Usage: python experiment.py --out_dir=run_0 [--seed=N] [--eval_test]
  --seed       one seed instead of SEEDS
  --eval_test  also measure the held-out test images (test_acc, test_loss)

The grader (protected in template.toml: edits to it are refused) is everything below the
"Grader" line: the data and its splits, the seeds, the measurement and main(). The method is
everything above it: the knobs, the model, the optimizers and train_one.
Writes, in <out_dir>:
  final_info.json   {optimizer: {"means": {...}, "stderrs": {...}}} (mean and standard error
                    over SEEDS)
  all_results.npz   per optimizer: per-epoch curves (train_loss, val_loss, val_acc, lr) for every seed (keys
                    "<optimizer>__<curve>", arrays of shape [num_seeds, EPOCHS]; no pickle)
  config.json       the knob values used for this run

Metrics per optimizer:
  val_acc          validation accuracy after the last epoch (higher is better; primary metric)
  val_loss         validation cross-entropy after the last epoch
  test_acc, test_loss   the same on the held-out test images (only with --eval_test)
  final_train_loss training cross-entropy on the whole training set after the last epoch
  train_loss_auc   mean of the per-step mini-batch training loss over all of training, i.e.
                   the area under the training-loss curve divided by its length (lower =
                   faster optimisation)
  wall_time        seconds of optimisation per training run (evaluation excluded)
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
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

# ---- Knobs (edit these; each on its own line) -------------------------------------------
OPTIMIZERS = ["sgd", "adamw", "sf_sgd", "sf_adamw"]  # groups to compare (see make_optimizer)
EPOCHS = 20  # passes over the training set
BATCH_SIZE = 64  # mini-batch size
WIDTH = 256  # hidden units per layer
DEPTH = 2  # number of hidden layers
ACTIVATION = "relu"  # "relu", "gelu" or "tanh"
SCHEDULE = "warmup_cosine"  # for sgd/adamw: "constant", "cosine", "warmup_cosine" or "linear"
WARMUP_FRACTION = 0.05  # fraction of all steps used for linear warmup (all optimizers)
SGD_LR = 0.1  # peak learning rate of SGD with momentum
SGD_MOMENTUM = 0.9  # heavy-ball momentum of SGD
SGD_WEIGHT_DECAY = 5e-4  # L2 penalty added to the SGD gradient
ADAMW_LR = 2e-3  # peak learning rate of AdamW
ADAMW_BETAS = (0.9, 0.999)  # AdamW (beta1, beta2)
ADAMW_WEIGHT_DECAY = 0.01  # decoupled weight decay of AdamW
SF_SGD_LR = 1.0  # learning rate of Schedule-Free SGD (constant after warmup)
SF_SGD_MOMENTUM = 0.9  # beta (interpolation between z and x) of Schedule-Free SGD
SF_SGD_WEIGHT_DECAY = 5e-4  # L2 penalty of Schedule-Free SGD, taken at y
SF_ADAMW_LR = 2e-3  # learning rate of Schedule-Free AdamW (constant after warmup)
SF_ADAMW_BETAS = (0.9, 0.999)  # Schedule-Free AdamW (beta1 = interpolation, beta2 = second moment)
SF_ADAMW_WEIGHT_DECAY = 0.01  # decoupled weight decay of Schedule-Free AdamW, taken at y
SF_WEIGHT_LR_POWER = 2.0  # schedule-free averaging weight of step t is lr_max(t) ** this power
NUM_THREADS = 0  # torch CPU threads (0 = min(2, available cores))
# -------------------------------------------------------------------------------------------


# ---- Model --------------------------------------------------------------------------------
def make_model(in_dim, n_classes):
    acts = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}
    if ACTIVATION not in acts:
        raise ValueError(f"unknown ACTIVATION {ACTIVATION!r} (use relu, gelu or tanh)")
    layers, d = [], in_dim
    for _ in range(DEPTH):
        layers += [nn.Linear(d, WIDTH), acts[ACTIVATION]()]
        d = WIDTH
    layers.append(nn.Linear(d, n_classes))
    return nn.Sequential(*layers)


# ---- Schedule-Free optimizers (Defazio et al. 2024, "The Road Less Scheduled") ------------
class ScheduleFree(torch.optim.Optimizer):
    """Schedule-Free SGD (adaptive=False) or AdamW (adaptive=True), reference form.

    The model's parameters hold y during training. Call .eval() before evaluating (parameters
    become the average x) and .train() before the next step (parameters become y again).
    Per step t (lr_t includes warmup, and for AdamW the sqrt(1 - beta2^t) bias correction):
        g = grad at y
        SGD:   z <- z - lr_t (g + wd * y)
        AdamW: v <- beta2 v + (1 - beta2) g^2;  z <- z - lr_t wd y - lr_t g / (sqrt(v) + eps)
        c = w_t / sum_{i<=t} w_i  with  w_t = (max_{i<=t} lr_i) ** weight_lr_power
        x <- (1 - c) x + c z
        y <- (1 - beta1) z + beta1 x
    """

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                 warmup_steps=0, adaptive=True, weight_lr_power=2.0):
        defaults = dict(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)
        self.adaptive, self.warmup_steps, self.weight_lr_power = adaptive, warmup_steps, weight_lr_power
        self.k, self.train_mode = 0, True
        for group in self.param_groups:
            group["lr_max"], group["weight_sum"] = 0.0, 0.0

    @torch.no_grad()
    def eval(self):
        if self.train_mode:
            for group in self.param_groups:
                for p in group["params"]:
                    if "x" in self.state[p]:
                        p.copy_(self.state[p]["x"])
            self.train_mode = False

    @torch.no_grad()
    def train(self):
        if not self.train_mode:
            for group in self.param_groups:
                for p in group["params"]:
                    if "y" in self.state[p]:
                        p.copy_(self.state[p]["y"])
            self.train_mode = True

    @torch.no_grad()
    def step(self, closure=None):
        if not self.train_mode:
            raise RuntimeError("ScheduleFree.step() called in eval mode: call .train() first")
        k = self.k
        sched = (k + 1) / self.warmup_steps if k < self.warmup_steps else 1.0
        for group in self.param_groups:
            lr = group["lr"] * sched
            if self.adaptive:
                lr *= math.sqrt(1 - group["beta2"] ** (k + 1))
            group["lr_max"] = max(group["lr_max"], lr)
            weight = group["lr_max"] ** self.weight_lr_power
            group["weight_sum"] += weight
            ckp1 = weight / group["weight_sum"] if group["weight_sum"] > 0 else 0.0
            wd = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if "z" not in st:
                    st["z"], st["x"], st["y"] = p.clone(), p.clone(), p.clone()
                    if self.adaptive:
                        st["v"] = torch.zeros_like(p)
                z, x, y, g = st["z"], st["x"], st["y"], p.grad
                if self.adaptive:
                    st["v"].mul_(group["beta2"]).addcmul_(g, g, value=1 - group["beta2"])
                    if wd:
                        z.sub_(y, alpha=lr * wd)
                    z.addcdiv_(g, st["v"].sqrt().add_(group["eps"]), value=-lr)
                else:
                    z.sub_(g + wd * y if wd else g, alpha=lr)
                x.mul_(1 - ckp1).add_(z, alpha=ckp1)
                y.copy_(x.mul(group["beta1"]).add_(z, alpha=1 - group["beta1"]))
                p.copy_(y)
        self.k += 1


# ---- Optimizers and schedules -------------------------------------------------------------
def lr_factor(step, total, warmup):
    """Multiplier of the peak learning rate for the scheduled optimizers (sgd, adamw)."""
    if SCHEDULE == "constant":
        return 1.0
    if SCHEDULE == "warmup_cosine" and step < warmup:
        return (step + 1) / warmup
    if SCHEDULE in ("cosine", "warmup_cosine"):
        start = warmup if SCHEDULE == "warmup_cosine" else 0
        prog = (step - start) / max(1, total - start)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, prog)))
    if SCHEDULE == "linear":
        return max(0.0, 1 - step / total)
    raise ValueError(f"unknown SCHEDULE {SCHEDULE!r} (constant, cosine, warmup_cosine, linear)")


def make_optimizer(name, params, total_steps):
    """Returns (optimizer, lr_lambda or None). lr_lambda(step) scales the peak learning rate."""
    warmup = int(round(WARMUP_FRACTION * total_steps))
    sched = lambda s: lr_factor(s, total_steps, warmup)  # noqa: E731
    if name == "sgd":
        return torch.optim.SGD(params, lr=SGD_LR, momentum=SGD_MOMENTUM,
                               weight_decay=SGD_WEIGHT_DECAY), sched
    if name == "adamw":
        return torch.optim.AdamW(params, lr=ADAMW_LR, betas=ADAMW_BETAS,
                                 weight_decay=ADAMW_WEIGHT_DECAY), sched
    if name == "sf_sgd":
        return ScheduleFree(params, lr=SF_SGD_LR, beta1=SF_SGD_MOMENTUM,
                            weight_decay=SF_SGD_WEIGHT_DECAY, warmup_steps=warmup,
                            adaptive=False, weight_lr_power=SF_WEIGHT_LR_POWER), None
    if name == "sf_adamw":
        return ScheduleFree(params, lr=SF_ADAMW_LR, beta1=SF_ADAMW_BETAS[0],
                            beta2=SF_ADAMW_BETAS[1], weight_decay=SF_ADAMW_WEIGHT_DECAY,
                            warmup_steps=warmup, adaptive=True,
                            weight_lr_power=SF_WEIGHT_LR_POWER), None
    raise ValueError(f"unknown optimizer {name!r} (known: sgd, adamw, sf_sgd, sf_adamw)")


# ---- Training: the method ------------------------------------------------------------------
def set_eval_mode(opt, on):
    """Schedule-free optimizers evaluate at the average x and train at y."""
    if isinstance(opt, ScheduleFree):
        opt.eval() if on else opt.train()


def train_one(name, seed, xtr, ytr, device, on_epoch):
    """Train optimizer ``name`` from seed ``seed``; after each epoch call on_epoch(model) with
    the model ready to evaluate (it returns the validation (loss, accuracy), for the curves).
    Returns (model, opt, per-step training losses, seconds of optimisation, curves)."""
    torch.manual_seed(seed)  # same initialisation for every optimizer at a given seed
    model = make_model(xtr.shape[1], int(ytr.max()) + 1).to(device)
    n = len(ytr)
    steps_per_epoch = math.ceil(n / BATCH_SIZE)
    total = EPOCHS * steps_per_epoch
    opt, lr_lambda = make_optimizer(name, model.parameters(), total)
    base_lrs = [g["lr"] for g in opt.param_groups]
    gen = torch.Generator().manual_seed(seed)  # same batch order for every optimizer

    curves = {k: [] for k in ("train_loss", "val_loss", "val_acc", "lr")}
    step_losses = []
    step, opt_time = 0, 0.0
    for epoch in range(EPOCHS):
        perm = torch.randperm(n, generator=gen).to(device)
        t0 = time.perf_counter()
        epoch_losses = []
        for i in range(0, n, BATCH_SIZE):
            b = perm[i:i + BATCH_SIZE]
            if lr_lambda is not None:
                for g, lr0 in zip(opt.param_groups, base_lrs):
                    g["lr"] = lr0 * lr_lambda(step)
            loss = F.cross_entropy(model(xtr[b]), ytr[b])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            epoch_losses.append(loss.item())
            step += 1
        opt_time += time.perf_counter() - t0
        if not all(math.isfinite(v) for v in epoch_losses):
            raise RuntimeError(f"[{name}, seed {seed}] training diverged (non-finite loss) in "
                               f"epoch {epoch}; lower its learning rate")
        step_losses.extend(epoch_losses)
        set_eval_mode(opt, True)
        va_loss, va_acc = on_epoch(model)
        set_eval_mode(opt, False)
        curves["train_loss"].append(float(np.mean(epoch_losses)))
        curves["val_loss"].append(va_loss)
        curves["val_acc"].append(va_acc)
        curves["lr"].append(base_lrs[0] * (lr_lambda(step - 1) if lr_lambda else
                                           min(1.0, step / max(1, round(WARMUP_FRACTION * total)))))
    set_eval_mode(opt, True)
    return model, opt, step_losses, opt_time, curves


# ---- Grader (protected: the data and its splits, the seeds, the measurement, main) -------
SEEDS = [0, 1, 2, 3, 4]  # one training run per seed and optimizer (init + batch order)
TEST_FRACTION = 0.2  # fraction of the 1,797 images held out as test data
VAL_FRACTION = 0.2  # fraction of the rest used for validation
SPLIT_SEED = 0  # seed of the (stratified) splits, fixed across runs


def load_data(with_test):
    """(train, val, test) as tensors; test only with_test. Pixels are centred and divided by
    one global scale, from the training images only."""
    x, y = load_digits(return_X_y=True)  # bundled with scikit-learn, no download
    xpool, xte, ypool, yte = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=y)
    xtr, xva, ytr, yva = train_test_split(
        xpool, ypool, test_size=VAL_FRACTION, random_state=SPLIT_SEED, stratify=ypool)
    # Per-pixel scaling would blow up pixels that are almost always 0 in the training images.
    mean, scale = xtr.mean(0), xtr.std()
    as_t = lambda a, dt: torch.tensor(np.asarray(a), dtype=dt)  # noqa: E731
    split = lambda a, b: (as_t((a - mean) / scale, torch.float32), as_t(b, torch.long))  # noqa: E731
    return split(xtr, ytr), split(xva, yva), split(xte, yte) if with_test else None


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    logits = model(x)
    loss = F.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    model.train()
    return loss, acc


def measure(name, seed, data, device):
    (xtr, ytr), (xva, yva), test = ((tuple(t.to(device) for t in pair) if pair else None)
                                    for pair in data)
    model, opt, step_losses, opt_time, curves = train_one(
        name, seed, xtr, ytr, device, lambda m: evaluate(m, xva, yva))
    tr_loss, _ = evaluate(model, xtr, ytr)
    va_loss, va_acc = evaluate(model, xva, yva)
    metrics = {
        "val_acc": va_acc,
        "val_loss": va_loss,
        "final_train_loss": tr_loss,
        "train_loss_auc": float(np.mean(step_losses)),
        "wall_time": opt_time,
    }
    if test is not None:
        metrics["test_loss"], metrics["test_acc"] = evaluate(model, *test)
    return metrics, curves


def knobs():
    return {k: v for k, v in globals().items() if k.isupper() and not k.startswith("_")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out_dir", type=str, default="run_0")
    parser.add_argument("--seed", type=int, default=None,
                        help="run this one seed instead of every seed in SEEDS")
    parser.add_argument("--eval_test", action="store_true",
                        help="also measure the held-out test images")
    args = parser.parse_args()
    seeds = SEEDS if args.seed is None else [args.seed]
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
    data = load_data(args.eval_test)

    final_info, arrays = {}, {}
    t_start = time.time()
    for name in OPTIMIZERS:
        per_seed, seed_curves = [], []
        for seed in seeds:
            m, c = measure(name, seed, data, device)
            per_seed.append(m)
            seed_curves.append(c)
        keys = list(per_seed[0])
        vals = {k: np.array([m[k] for m in per_seed], dtype=float) for k in keys}
        se = lambda v: float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else 0.0  # noqa: E731
        final_info[name] = {
            "means": {k: round(float(v.mean()), 6) for k, v in vals.items()},
            "stderrs": {k: round(se(v), 6) for k, v in vals.items()},
        }
        for k in seed_curves[0]:
            arrays[f"{name}__{k}"] = np.array([c[k] for c in seed_curves], dtype=np.float32)
        mm = final_info[name]["means"]
        print(f"[{name}] " + ", ".join(f"{k}={v:.4f}" for k, v in mm.items()), flush=True)

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
