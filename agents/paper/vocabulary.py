"""Names of datasets, models and methods that a paper may only use if the run used them.

A sentence of the Abstract, the Setup or the Results that names a well-known dataset
("MNIST"), model ("a Transformer") or optimiser/method ("Adam", "dropout") states that the run
used it. The name passes when what ran mentions it: the template's description and data, its
code, the idea and the code changes (``FactSheet.vocabulary``). Ordinary words are never
looked for: only the names below, which are names and nothing else. A name in a sentence that
contrasts or cites ("unlike MNIST", "such as ResNet", ``\\cite``), or denies it ("without
dropout"), states no use and passes.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

#: (how the name is written in a paper, what counts as evidence of it in what ran)
KNOWN: tuple[tuple[str, tuple[str, ...]], ...] = (
    # datasets
    (r"mnist", ("mnist",)), (r"fashion[- ]?mnist", ("fashionmnist",)), (r"kmnist", ("kmnist",)),
    (r"emnist", ("emnist",)), (r"cifar[- ]?10(?!0)", ("cifar10",)), (r"cifar[- ]?100", ("cifar100",)),
    (r"cifar", ("cifar",)), (r"(?:tiny[- ])?imagenet(?:-1k|-21k)?", ("imagenet",)),
    (r"svhn", ("svhn",)), (r"ms[- ]?coco|coco", ("coco",)), (r"celeba(?:-hq)?", ("celeba",)),
    (r"lsun", ("lsun",)), (r"omniglot", ("omniglot",)), (r"penn treebank|ptb", ("penntreebank", "ptb")),
    (r"wikitext(?:-103|-2)?", ("wikitext",)), (r"superglue|glue benchmark|glue", ("glue",)),
    (r"squad", ("squad",)), (r"imdb", ("imdb",)), (r"sst-?2", ("sst",)), (r"enwik8", ("enwik",)),
    (r"text8", ("text8",)), (r"stl-?10", ("stl10",)), (r"librispeech", ("librispeech",)),
    (r"openwebtext", ("openwebtext",)), (r"gsm8k", ("gsm8k",)), (r"mmlu", ("mmlu",)),
    (r"humaneval", ("humaneval",)), (r"iris dataset", ("iris",)), (r"cora dataset", ("cora",)),
    (r"shakespeare", ("shakespeare",)), (r"kinetics-?\d+", ("kinetics",)), (r"places365", ("places",)),
    # models
    (r"transformers?", ("transformer", "attention")), (r"resnet-?\d*", ("resnet",)),
    (r"vgg-?\d*", ("vgg",)), (r"bert", ("bert",)), (r"roberta", ("roberta",)),
    (r"gpt-?\d?", ("gpt",)), (r"llama-?\d?", ("llama",)), (r"vision transformers?|vit", ("vit",)),
    (r"u-?net", ("unet",)), (r"lstms?", ("lstm",)), (r"grus?", ("gru",)), (r"rnns?", ("rnn", "lstm", "gru")),
    (r"cnns?|convolutional (?:neural )?networks?|convnets?", ("cnn", "conv")),
    (r"alexnet", ("alexnet",)), (r"densenet", ("densenet",)), (r"mobilenet\w*", ("mobilenet",)),
    (r"efficientnet\w*", ("efficientnet",)), (r"lenet(?:-5)?", ("lenet",)),
    (r"inception(?:-v\d)?", ("inception",)), (r"vaes?|variational auto-?encoders?", ("vae", "variational")),
    (r"gans?|generative adversarial networks?", ("gan", "adversarial")), (r"mamba", ("mamba",)),
    (r"xgboost", ("xgboost",)), (r"random forests?", ("randomforest",)),
    (r"support vector machines?|svms?", ("svm", "svc", "supportvector")),
    (r"graph neural networks?|gnns?|gcns?", ("gnn", "gcn", "graph")),
    (r"diffusion models?|ddpms?", ("diffusion", "ddpm")), (r"t5", ("t5",)),
    # optimisers and methods
    (r"adamw", ("adamw",)), (r"adam", ("adam",)), (r"rmsprop", ("rmsprop",)), (r"adagrad", ("adagrad",)),
    (r"adadelta", ("adadelta",)), (r"lamb optimi[sz]er", ("lamb",)), (r"lars", ("lars",)),
    (r"lion optimi[sz]er", ("lion",)), (r"shampoo", ("shampoo",)), (r"l-?bfgs", ("lbfgs", "bfgs")),
    (r"adafactor", ("adafactor",)), (r"sgd|stochastic gradient descent", ("sgd", "stochasticgradient")),
    (r"nesterov(?: momentum)?", ("nesterov",)), (r"dropout", ("dropout",)),
    (r"batch[- ]?norm(?:ali[sz]ation)?", ("batchnorm", "batchnormali")),
    (r"layer[- ]?norm(?:ali[sz]ation)?", ("layernorm", "layernormali")),
    (r"label smoothing", ("labelsmoothing",)), (r"gradient clipping", ("clip",)),
    (r"mixup", ("mixup",)), (r"cutout", ("cutout",)), (r"data augmentation", ("augment",)),
    (r"knowledge distillation", ("distill",)), (r"lora", ("lora",)),
    (r"weight decay", ("weightdecay", "decay")), (r"early stopping", ("earlystop", "patience")),
    (r"cosine (?:annealing|learning[- ]rate schedule|schedule)", ("cosine",)),
)
_CONTRAST = re.compile(
    r"(?:\bnot\b|\bno\b|\bwithout\b|\bunlike\b|\binstead of\b|\brather than\b|\bsuch as\b|\be\.g\."
    r"|\blike\b|\bfuture\b|\bcould\b|\bwould\b|\bmight\b|\bbeyond\b|\bother than\b|\bprior work"
    r"|\bprevious work|\bexcept\b|\bnor\b|\bneither\b|n't\b)[^.;]{0,60}$")


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile("|".join(rf"(?P<n{i}>(?<![a-z0-9-]){p}(?![a-z0-9]))"
                               for i, (p, _) in enumerate(KNOWN)))


@cache
def _tokens(vocabulary: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", vocabulary.lower())
    grams = {w for w in words}
    grams |= {a + b for a, b in itertools.pairwise(words)}
    grams |= {a + b + c for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    return frozenset(grams)


def _used(evidence: tuple[str, ...], vocabulary: str) -> bool:
    tokens = _tokens(vocabulary)
    return any(t == e or (len(e) >= 5 and t.startswith(e)) or (t.startswith(e) and t[len(e):].isdigit())
               for e in evidence for t in tokens)  # "lamb" is no "lambda"


def unknown_names(latex: str, vocabulary: str) -> list[str]:
    """A message for each known name in ``latex`` that what ran never mentions."""
    if re.search(r"\\cite", latex):
        return []
    text = re.sub(r"\\(?:ref|label|url|href|includegraphics)\s*(?:\[[^\]]*\])?\{[^}]*\}", " ", latex)
    text = " ".join(text.replace("\\_", "_").replace("~", " ").lower().split())
    out: list[str] = []
    for m in _pattern().finditer(text):
        index = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
        if _CONTRAST.search(text[max(0, m.start() - 80):m.start()]):
            continue
        if not _used(KNOWN[index][1], vocabulary):
            name = m.group(0)
            message = f"\"{name}\" is named, but the run used no {name} (not in its code or setup)"
            if message not in out:
                out.append(message)
    return out
