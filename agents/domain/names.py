"""Safe names for folders and identifiers."""

from __future__ import annotations

import re

_NAME = re.compile(r"[^a-z0-9_]+")


def slugify(text: str, max_len: int = 40) -> str:
    """A safe folder name: lowercase letters, digits and underscores.

        >>> slugify("Cosine noise schedule!")
        'cosine_noise_schedule'
    """
    slug = _NAME.sub("_", text.lower()).strip("_")
    return (slug[:max_len].rstrip("_")) or "idea"


def figure_label(file_stem: str) -> str:
    """The LaTeX label of the figure made from an image file, as the paper and checks name it.

        >>> figure_label("Val-Accuracy")
        'fig:val_accuracy'
    """
    return "fig:" + re.sub(r"[^a-z0-9]+", "_", file_stem.lower())
