"""The offline model's template-free experiments: a short list of small, real experiments.

For ``write an experiment from scratch`` it picks the family that fits the topic's words
(regression, clustering, digits, else a small MLP classifier), and writes ``experiment.py`` in
the shape the prompt asks for (its knobs as module constants, ``GROUPS``, ``SEEDS`` and
``run_one(group, seed)``), plus a plot script. Every family runs in seconds on one CPU core,
on data generated in code or bundled in scikit-learn. For ``fix the new experiment`` it writes
its family's file again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.offline_model.reading import Asked

_PLOT = Path(__file__).resolve().parents[1] / "templates" / "skeleton" / "plot.py"

_HEAD = '''"""{doc}

run_one(group, seed) runs one group for one seed and returns its metrics; aisci adds the
command line and final_info.json.
"""

import warnings

import numpy as np
'''


@dataclass(frozen=True)
class Family:
    name: str
    words: tuple[str, ...]
    metric: str
    lower_is_better: bool
    data: str
    description: str
    body: str


FAMILIES = (
    Family("ridge_regression", ("regress", "ridge", "linear model", "shrinkage", "least squares"),
           "val_mse", True, "synthetic linear-regression data generated with numpy",
           "Ridge regression, solved in closed form with numpy, on synthetic linear data with a "
           "sparse and a dense true weight vector. The knobs are ALPHA, NUM_FEATURES, NUM_TRAIN "
           "and NOISE_STD.", '''
ALPHA = 1.0  # ridge penalty
NUM_FEATURES = 50  # input dimension
NUM_TRAIN = 80  # training examples
NUM_VAL = 400  # validation examples
NOISE_STD = 0.5  # std of the label noise
SEEDS = [0, 1, 2]  # one fit per seed
GROUPS = ["sparse_truth", "dense_truth"]  # how many true weights are non-zero


def run_one(group, seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=NUM_FEATURES)
    if group == "sparse_truth":
        w[NUM_FEATURES // 10:] = 0.0
    x = rng.normal(size=(NUM_TRAIN + NUM_VAL, NUM_FEATURES))
    y = x @ w + NOISE_STD * rng.normal(size=len(x))
    xtr, ytr, xva, yva = x[:NUM_TRAIN], y[:NUM_TRAIN], x[NUM_TRAIN:], y[NUM_TRAIN:]
    fit = np.linalg.solve(xtr.T @ xtr + ALPHA * np.eye(NUM_FEATURES), xtr.T @ ytr)
    return {"val_mse": float(np.mean((xva @ fit - yva) ** 2)),
            "train_mse": float(np.mean((xtr @ fit - ytr) ** 2))}
'''),
    Family("kmeans", ("cluster", "k-means", "kmeans", "unsupervised"),
           "adjusted_rand", False, "synthetic Gaussian blobs from scikit-learn's make_blobs",
           "k-means (scikit-learn) on Gaussian blobs with three and with five true clusters, "
           "scored by the adjusted Rand index against the true labels. The knobs are "
           "NUM_CLUSTERS, N_INIT, MAX_ITER and CLUSTER_STD.", '''
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

NUM_CLUSTERS = 4  # clusters k-means looks for
N_INIT = 1  # random restarts
MAX_ITER = 3  # Lloyd iterations per restart (few: an early stop)
CLUSTER_STD = 1.5  # spread of each blob
NUM_SAMPLES = 500  # points per task
SEEDS = [0, 1, 2]  # one clustering per seed
GROUPS = ["blobs_3", "blobs_5"]  # the true number of clusters


def run_one(group, seed):
    x, labels = make_blobs(NUM_SAMPLES, centers=int(group.split("_")[1]),
                           cluster_std=CLUSTER_STD, random_state=seed)
    model = KMeans(NUM_CLUSTERS, n_init=N_INIT, max_iter=MAX_ITER, random_state=seed).fit(x)
    return {"adjusted_rand": float(adjusted_rand_score(labels, model.labels_)),
            "inertia": float(model.inertia_)}
'''),
    Family("digits_logreg", ("digit", "logistic", "image", "handwrit"),
           "val_accuracy", False, "scikit-learn's bundled 8x8 handwritten digits (load_digits)",
           "Multinomial logistic regression (scikit-learn) on the bundled 8x8 digits, with all "
           "training examples and with a small training set. The knobs are C, MAX_ITER and "
           "SMALL_TRAIN.", '''
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

C = 1.0  # inverse L2 penalty
MAX_ITER = 200  # solver iterations
SMALL_TRAIN = 100  # training examples of the small-data group
SEEDS = [0, 1, 2]  # one split per seed
GROUPS = ["full_train", "small_train"]


def run_one(group, seed):
    x, y = load_digits(return_X_y=True)
    xtr, xva, ytr, yva = train_test_split(x / 16.0, y, test_size=0.3, random_state=seed)
    if group == "small_train":
        xtr, ytr = xtr[:SMALL_TRAIN], ytr[:SMALL_TRAIN]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(C=C, max_iter=MAX_ITER).fit(xtr, ytr)
    return {"val_accuracy": float(model.score(xva, yva)),
            "train_accuracy": float(model.score(xtr, ytr))}
'''),
    Family("mlp_classification", (), "val_accuracy", False,
           "synthetic 2-D tasks from scikit-learn's make_moons and make_circles",
           "A one-hidden-layer MLP classifier (scikit-learn, Adam) on two synthetic 2-D tasks. "
           "The knobs are HIDDEN_UNITS, LEARNING_RATE, ALPHA, MAX_ITER and DATA_NOISE.", '''
from sklearn.datasets import make_circles, make_moons
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

HIDDEN_UNITS = 16  # width of the hidden layer
LEARNING_RATE = 0.01  # Adam step size
ALPHA = 0.0001  # L2 penalty
MAX_ITER = 200  # training epochs
NUM_SAMPLES = 600  # examples per task
DATA_NOISE = 0.25  # input noise of the synthetic tasks
SEEDS = [0, 1, 2]  # one training run per seed
GROUPS = ["moons", "circles"]


def run_one(group, seed):
    if group == "moons":
        x, y = make_moons(NUM_SAMPLES, noise=DATA_NOISE, random_state=seed)
    else:
        x, y = make_circles(NUM_SAMPLES, noise=DATA_NOISE, factor=0.5, random_state=seed)
    xtr, xva, ytr, yva = train_test_split(x, y, test_size=0.4, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier((HIDDEN_UNITS,), learning_rate_init=LEARNING_RATE, alpha=ALPHA,
                              max_iter=MAX_ITER, random_state=seed).fit(xtr, ytr)
    return {"val_accuracy": float(model.score(xva, yva)),
            "train_accuracy": float(model.score(xtr, ytr))}
'''),
)


def family_for(topic: str) -> Family:
    text = topic.lower()
    return next((f for f in FAMILIES if any(w in text for w in f.words)), FAMILIES[-1])


def _reply(family: Family) -> str:
    experiment = _HEAD.format(doc=family.description.split(". ")[0].rstrip(".") + ".") \
        + family.body
    direction = "lower" if family.lower_is_better else "higher"
    return (f"Metric: {family.metric} ({direction} is better)\nData: {family.data}\n"
            f"Description: {family.description}\n\nexperiment.py\n```python\n{experiment}```\n\n"
            f"plot.py\n```python\n{_PLOT.read_text(encoding='utf-8')}```\n")


def write_experiment(asked: Asked) -> str:
    return _reply(family_for(asked["topic"]))


def fix_experiment(asked: Asked) -> str:
    return _reply(family_for(asked["topic"]))
