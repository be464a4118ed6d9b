"""Which metric a template is judged by, and which way is better: declared, overridden, or
inferred from the template's own signals, and always with the reason.

A template may declare its primary metric (``template.toml``: ``primary_metric``,
``lower_is_better``); ``--metric`` and ``--lower-is-better/--higher-is-better`` override it.
Without either, the candidates are the metrics of the baseline's ``final_info.json`` and each
is scored by what its name says (held-out ``val_``/``test_`` over ``train_``; a task measure
such as accuracy over a loss), by the baseline's values (an accuracy already at its ceiling in
every group cannot show an improvement) and by the template's own description (``prompt.json``).
The direction follows from the name: losses, errors, perplexities, divergences, distances and
steps-to-a-threshold are lower-is-better; accuracies, scores, rewards higher-is-better. When the
best candidate's direction cannot be told, or two candidates tie, the choice is undecided and
the run stops with one line asking for ``--metric``: a guess is never taken.

    >>> choose_metric(["final_train_loss_mean", "final_val_acc_mean"]).line()
    'Primary metric: final_val_acc_mean (higher is better): inferred: an accuracy, ...'
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agents.domain import FinalInfo
from agents.errors import ConfigError

Source = Literal["template.toml", "--metric", "inferred", "undecided"]

#: Name words that say lower is better (losses, errors, distances, costs).
LOWER_WORDS = frozenset({
    "loss", "losses", "error", "errors", "err", "mse", "rmse", "mae", "nll", "perplexity", "ppl",
    "kl", "divergence", "wasserstein", "distance", "dist", "regret", "bpc", "bpd", "fid", "cer",
    "wer", "cost", "latency", "runtime", "time", "seconds", "duration", "rmsf", "energy",
})
#: Name words that say higher is better (task measures).
HIGHER_WORDS = frozenset({
    "acc", "accuracy", "auc", "auroc", "f1", "precision", "recall", "score", "reward",
    "return", "bleu", "rouge", "r2", "iou", "map", "psnr", "ssim", "elbo", "rand", "purity",
    "success", "correlation", "likelihood", "ari", "nmi",
})
#: Words of a count until something happens (steps to 99 % accuracy): lower is better.
COUNT_WORDS = frozenset({"step", "steps", "iter", "iters", "iteration", "iterations", "epoch",
                         "epochs", "updates", "update"})
HELD_OUT = frozenset({"val", "valid", "validation", "test", "eval", "heldout", "dev"})
TRAINING = frozenset({"train", "training", "tr"})
COST_WORDS = frozenset({"time", "seconds", "duration", "runtime", "latency", "wall"})
#: How a word is written out in prose (a template's description).
SPELLED = {"acc": "accuracy", "val": "validation", "ppl": "perplexity", "kl": "kl divergence",
           "nll": "negative log-likelihood", "err": "error"}


class MetricUndecided(ConfigError):
    """Nothing decides the primary metric: the message asks for ``--metric``."""


class MetricCandidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    score: float
    lower_is_better: bool | None
    signals: list[str]


class MetricChoice(BaseModel):
    """The primary metric with where it came from and why; ``name is None``: undecided."""

    model_config = ConfigDict(frozen=True)

    name: str | None
    lower_is_better: bool | None
    source: Source
    reason: str
    candidates: list[MetricCandidate] = []

    @property
    def decided(self) -> bool:
        return self.name is not None and self.lower_is_better is not None

    @property
    def direction(self) -> str:
        return "lower" if self.lower_is_better else "higher"

    def line(self) -> str:
        """One line for people: the metric, its direction and why (or what to pass)."""
        if not self.decided:
            return f"Primary metric: undecided: {self.reason}"
        return f"Primary metric: {self.name} ({self.direction} is better): {self.reason}"


def words(name: str) -> list[str]:
    """``final_val_acc_mean`` -> ['final', 'val', 'acc', 'mean']; camelCase splits too."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _a(word: str) -> str:
    word = SPELLED.get(word, word)
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def direction_of(name: str) -> tuple[bool | None, str]:
    """(lower is better?, why) from the name alone; (None, why) when the name does not say."""
    ws = words(name)
    count = next((w for w in ws if w in COUNT_WORDS), None)
    limit = next((w for w in ws if w.isdigit() or w in ("to", "until", "reach", "grok")), None)
    if count and limit:
        plural = count if count.endswith("s") else f"{count}s"
        what = f" ({limit})" if limit.isdigit() else ""
        return True, f"a number of {plural} until a threshold{what} is reached"
    lower = next((w for w in ws if w in LOWER_WORDS), None)
    higher = next((w for w in ws if w in HIGHER_WORDS), None)
    if "neg" in ws or "negative" in ws:
        lower, higher = lower or higher, None  # negative log-likelihood, negative reward
    if lower and not higher:
        return True, _a(lower)
    if higher and not lower:
        return False, _a(higher)
    if lower and higher:
        return None, f"both {lower} and {higher} in the name"
    return None, "the name says neither"


def _score(name: str, values: FinalInfo | None, prompt_text: str) -> MetricCandidate:
    ws = set(words(name))
    lower, why = direction_of(name)
    score, signals = 0.0, []
    if lower is not None:
        score += 1.0
        signals.append(why)
    if ws & HELD_OUT:
        score += 2.0
        signals.append("measured on held-out data")
    elif ws & TRAINING:
        score -= 2.0
        signals.append("a training-set measure")
    if lower is False:
        score += 1.0  # a task measure (accuracy) over the objective (a loss)
    elif lower and ws & COUNT_WORDS and not ws & COST_WORDS:
        score += 0.75  # how fast a threshold is reached
    elif lower and ws & COST_WORDS:
        score -= 1.5
        signals.append("a cost, not a result")
    elif lower:
        score += 0.5
    mentioned = _mentioned(ws, prompt_text)
    if mentioned:
        score += 0.5
        signals.append(f"the template's description speaks of {mentioned}")
    if values is not None:
        score += _value_signals(name, lower, values, signals)
    return MetricCandidate(name=name, score=round(score, 3), lower_is_better=lower,
                           signals=signals)


def _mentioned(ws: set[str], prompt_text: str) -> str:
    text = prompt_text.lower()
    for w in sorted(ws & (HIGHER_WORDS | LOWER_WORDS)):
        spelled = SPELLED.get(w, w)
        if len(spelled) > 3 and re.search(rf"\b{re.escape(spelled)}", text):
            return f'"{spelled}"'
    return ""


def _value_signals(name: str, lower: bool | None, info: FinalInfo, signals: list[str]) -> float:
    values = [v for g in info.groups if (v := info.value(g, name)) is not None]
    if len(values) < len(info.groups):
        signals.append(f"missing in {len(info.groups) - len(values)} of {len(info.groups)} groups")
        return -0.5
    if not all(math.isfinite(v) for v in values):
        signals.append("not finite in the baseline")
        return -2.0
    if lower is False and values and all(v in (1.0, 100.0) for v in values):
        signals.append(f"already at its ceiling ({values[0]:g}) in every group of the baseline")
        return -1.5
    if len(values) > 1 and len(set(values)) == 1:
        signals.append("the same value in every group of the baseline")
        return -0.5
    return 0.0


def rank_candidates(metrics: Sequence[str], *, values: FinalInfo | None = None,
                    prompt_text: str = "") -> list[MetricCandidate]:
    """Every metric scored, best first (ties keep the order of ``metrics``)."""
    scored = [_score(m, values, prompt_text) for m in dict.fromkeys(metrics)]
    return sorted(scored, key=lambda c: -c.score)


def choose_metric(metrics: Sequence[str], *, values: FinalInfo | None = None,
                  prompt_text: str = "", declared: str | None = None,
                  declared_lower: bool | None = None, override: str | None = None,
                  override_lower: bool | None = None) -> MetricChoice:
    """The primary metric among ``metrics`` (the baseline's), with its source and reason.

    ``declared``/``declared_lower`` come from template.toml, ``override``/``override_lower``
    from ``--metric`` and ``--lower-is-better/--higher-is-better`` (they win).
    """
    candidates = rank_candidates(metrics, values=values, prompt_text=prompt_text)
    known = ", ".join(metrics) or "none yet"
    name = override or declared
    if name is not None:
        source: Source = "--metric" if override else "template.toml"
        if metrics and name not in metrics:
            return MetricChoice(name=None, lower_is_better=None, source="undecided",
                                candidates=candidates,
                                reason=f"{source} names {name!r}, which the baseline does not "
                                       f"report (its metrics: {known}): pass --metric NAME")
        lower = override_lower if override_lower is not None else (
            declared_lower if (declared_lower is not None and name == declared) else None)
        if lower is not None:
            said = ("--lower-is-better" if lower else "--higher-is-better") \
                if override_lower is not None else "template.toml"
            reason = (f"declared in {source}" if said == source else
                      f"named by {source}, direction by {said}")
            return MetricChoice(name=name, lower_is_better=lower, source=source,
                                candidates=candidates, reason=reason)
        lower, why = direction_of(name)
        if lower is None:
            return MetricChoice(name=None, lower_is_better=None, source="undecided",
                                candidates=candidates,
                                reason=f"{source} names {name!r} but not which way is better "
                                       f"({why}): pass --lower-is-better or --higher-is-better")
        return MetricChoice(name=name, lower_is_better=lower, source=source,
                            candidates=candidates,
                            reason=f"named by {source}; {'lower' if lower else 'higher'} is "
                                   f"better as it is {why}")
    if override_lower is not None and candidates:
        candidates = [c.model_copy(update={"lower_is_better": override_lower})
                      if c.lower_is_better is None else c for c in candidates]
    if not candidates:
        return MetricChoice(name=None, lower_is_better=None, source="undecided",
                            reason="no metric is known before the baseline has run")
    best = candidates[0]
    tied = [c.name for c in candidates[1:] if c.score == best.score]
    if best.lower_is_better is None:
        return MetricChoice(name=None, lower_is_better=None, source="undecided",
                            candidates=candidates,
                            reason=f"no metric name says which way is better (metrics: {known}): "
                                   "pass --metric NAME with --lower-is-better or "
                                   "--higher-is-better")
    if tied:
        return MetricChoice(name=None, lower_is_better=None, source="undecided",
                            candidates=candidates,
                            reason=f"{best.name} and {', '.join(tied)} are equally likely: "
                                   "pass --metric NAME")
    runner_up = f"; next: {candidates[1].name}" if len(candidates) > 1 else ""
    return MetricChoice(name=best.name, lower_is_better=best.lower_is_better, source="inferred",
                        candidates=candidates,
                        reason=f"inferred: {', '.join(best.signals)} (best of "
                               f"{len(candidates)} metrics{runner_up})")
