"""Sections that repeat each other: a paragraph that another section of the paper already holds.

Small models writing one section at a time, with the sections so far in the prompt, copy them:
the Introduction and the Related Work open with the Abstract's two paragraphs. A paragraph
repeats a section when most of its runs of ``SHINGLE`` words are in that section (however it
is split into paragraphs there). The writer's check (``own_section``) sends such a section back
through the repair turn, saying which paragraph repeats which section; when the model keeps
repeating, the repeated paragraphs are left out, and the section keeps what is its own.

    >>> abstract = "We study momentum in a small MLP on two synthetic tasks with three seeds each."
    >>> repeated(abstract + "\\n\\nIt matters.", {"Abstract": abstract})
    [('We study momentum in a small MLP on two synthetic tasks with three seeds each.', 'Abstract')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from agents.llm import ReplyError, shingles, words

#: Runs of this many words are compared (a shared number or a citation is not a repeat).
SHINGLE = 6
#: A paragraph repeats a section when this share of its word runs is in that section.
SHARED = 0.5
#: Shorter paragraphs (a list item, a sentence that points to a table) are not compared.
MIN_WORDS = 10


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if len(words(p)) >= MIN_WORDS]


def repeated(text: str, others: Mapping[str, str]) -> list[tuple[str, str]]:
    """(paragraph of ``text``, the section of ``others`` it repeats), in order."""
    indexed = {name: shingles(other, SHINGLE) for name, other in others.items()}
    found = []
    for paragraph in paragraphs(text):
        mine = shingles(paragraph, SHINGLE)
        if not mine:
            continue
        for name, theirs in indexed.items():
            if len(mine & theirs) / len(mine) >= SHARED:
                found.append((paragraph, name))
                break
    return found


def without_repeats(text: str, others: Mapping[str, str]) -> str:
    """``text`` without the paragraphs that repeat ``others``."""
    for paragraph, _ in repeated(text, others):
        text = text.replace(paragraph, "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def own_section(clean: Callable[[str], str], name: str, written: Mapping[str, str], *,
                rejections: int = 2) -> Callable[[str], str]:
    """A writer's check: ``clean`` (the section's own check), then no paragraph that another
    section of ``written`` holds. The first ``rejections`` replies that repeat are sent back
    (``ReplyError``); after that the repeated paragraphs are left out (``ReplyError`` only when
    nothing of the section's own is left)."""
    others = {n: t for n, t in written.items() if n != name}
    sent_back = 0

    def check(text: str) -> str:
        nonlocal sent_back
        text = clean(text)
        found = repeated(text, others)
        if not found:
            return text
        if sent_back < rejections:
            sent_back += 1
            paragraph, section = found[0]
            raise ReplyError(
                f"this paragraph repeats the {section} section: \"{paragraph[:200]}\"; the "
                f"{name} section must say what the {section} section does not, in its own words")
        kept = without_repeats(text, others)
        if not paragraphs(kept):
            raise ReplyError(f"every paragraph repeats another section; write the {name} "
                             f"section's own content")
        return clean(kept)

    return check
