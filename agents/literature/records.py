"""One paper as the literature layer knows it, and its BibTeX built from the metadata.

Every source (Semantic Scholar, OpenAlex, arXiv, the offline library) returns ``PaperRecord``s,
so the writer can cite only what a source returned and build ``references.bib`` from the
records alone. No source is trusted to supply BibTeX: OpenAlex has none, and the others'
keys and escaping vary. An author list that ends in ``"others"`` was cut short (BibTeX's own
convention, printed as "et al.").

Example::

    rec = PaperRecord(title="Denoising Diffusion Probabilistic Models",
                      authors=["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"], year=2020,
                      venue="NeurIPS", arxiv_id="2006.11239", source="offline")
    rec.key          # 'ho2020denoising'
    rec.to_bibtex()  # '@inproceedings{ho2020denoising,\\n  title = {{Denoising ...'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from agents.tex import latex_escape

#: Marks an author list that was cut short; rendered as BibTeX's ``and others``.
OTHERS = "others"

_STOPWORDS = frozenset({
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "via", "from", "by", "is",
    "are", "at", "as", "its", "into", "towards", "toward", "do", "does", "how", "what", "when",
    "why", "which",
})
_CONFERENCE_HINTS = (
    "conference", "proceedings", "symposium", "workshop", "neurips", "nips", "icml", "iclr",
    "cvpr", "iccv", "eccv", "aaai", "ijcai", "uai", "aistats", "colt", "emnlp", "naacl", "acl",
    "wacv", "bmvc", "miccai", "interspeech", "icassp", "usenix", "kdd", "sigir", "www",
)
_ARXIV_VENUES = ("arxiv", "corr", "arxiv preprint", "arxiv.org")
_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$", re.IGNORECASE)


def _ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).encode(
        "ascii", "ignore").decode()


def _slug_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii_fold(text).lower())


def last_name(author: str) -> str:
    """The family name of ``"First Last"`` or ``"Last, First"``."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    if not parts:
        return ""
    # Keep particles that belong to the family name ("van den Berg", "De Bortoli").
    particles = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "le", "la", "du"}
    tail = [parts[-1]]
    for word in reversed(parts[:-1]):
        if word.lower() in particles:
            tail.insert(0, word)
        else:
            break
    return " ".join(tail)


def normalize_title(title: str) -> str:
    """A title reduced to lowercase ASCII words, for deduplication."""
    return " ".join(re.findall(r"[a-z0-9]+", _ascii_fold(title).lower()))


def clean_arxiv_id(value: str | None) -> str | None:
    """``'arXiv:2006.11239v2'`` or an abs/pdf URL → ``'2006.11239'``; None when not an id."""
    if not value:
        return None
    text = value.strip()
    text = re.sub(r"^(?:https?://)?(?:www\.)?(?:export\.)?arxiv\.org/(?:abs|pdf)/", "", text,
                  flags=re.IGNORECASE)
    text = re.sub(r"^arxiv:", "", text, flags=re.IGNORECASE).removesuffix(".pdf")
    match = _ARXIV_ID.match(text)
    return match.group(1) if match else None


def clean_doi(value: str | None) -> str | None:
    """``'https://doi.org/10.1/x'`` or ``'doi:10.1/x'`` → ``'10.1/x'``; None when not a DOI."""
    if not value:
        return None
    text = re.sub(r"^(?:https?://)?(?:dx\.)?doi\.org/", "", value.strip(), flags=re.IGNORECASE)
    text = re.sub(r"^doi:\s*", "", text, flags=re.IGNORECASE)
    return text if text.startswith("10.") and "/" in text else None


class PaperRecord(BaseModel):
    """One paper's metadata, as returned by a literature source."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    title: str = Field(min_length=1)
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    abstract: str | None = Field(default=None, description="the paper's own abstract, if known")
    summary: str | None = Field(
        default=None, description="a short factual summary when the real abstract is not stored")
    arxiv_id: str | None = None
    doi: str | None = None
    url: str | None = None
    source: str = Field(default="unknown", description="the source that returned this record")
    citation_count: int | None = None

    @field_validator("title")
    @classmethod
    def _one_line_title(cls, value: str) -> str:
        title = " ".join(value.split())
        if not title:
            raise ValueError("title is empty")
        return title

    @field_validator("authors")
    @classmethod
    def _clean_authors(cls, value: list[str]) -> list[str]:
        return [" ".join(a.split()) for a in value if a and a.strip()]

    @field_validator("arxiv_id")
    @classmethod
    def _clean_arxiv(cls, value: str | None) -> str | None:
        return clean_arxiv_id(value)

    @field_validator("doi")
    @classmethod
    def _clean_doi(cls, value: str | None) -> str | None:
        return clean_doi(value)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key(self) -> str:
        """A BibTeX key ``lastname2017firstword``; the caller makes it unique (``unique_keys``)."""
        first = next((a for a in self.authors if a != OTHERS), "")
        name = _slug_word(last_name(first)) or "anon"
        year = str(self.year) if self.year else "nd"
        words = [_slug_word(w) for w in re.split(r"[\s\-/:]+", self.title)]
        word = next((w for w in words if w and w not in _STOPWORDS), "") or next(
            (w for w in words if w), "untitled")
        return f"{name}{year}{word}"

    @property
    def link(self) -> str | None:
        """The best link to the paper: its URL, else the DOI or arXiv page."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return None

    @property
    def text(self) -> str:
        """The abstract, else the summary, else an empty string."""
        return self.abstract or self.summary or ""

    def identity(self) -> str:
        """What makes two records the same paper: DOI, else arXiv id, else title and year."""
        if self.doi:
            return f"doi:{self.doi.lower()}"
        if self.arxiv_id:
            return f"arxiv:{self.arxiv_id}"
        return f"title:{normalize_title(self.title)}:{self.year or ''}"

    def author_text(self, max_authors: int = 3) -> str:
        names = [a for a in self.authors if a != OTHERS]
        if not names:
            return "Anonymous"
        if len(names) > max_authors or len(names) < len(self.authors):
            return f"{last_name(names[0])} et al."
        return ", ".join(last_name(a) for a in names)

    def cite_line(self) -> str:
        """One short line for a prompt: ``[key] Ho et al. (2020). Title. Venue. arXiv:...``."""
        parts = [f"[{self.key}] {self.author_text()} ({self.year or 'n.d.'}). {self.title}."]
        if self.venue:
            parts.append(f"{self.venue}.")
        if self.arxiv_id:
            parts.append(f"arXiv:{self.arxiv_id}")
        elif self.doi:
            parts.append(f"doi:{self.doi}")
        return " ".join(parts)

    def entry_type(self) -> str:
        venue = (self.venue or "").lower()
        if not venue or venue in _ARXIV_VENUES or venue.startswith("arxiv"):
            return "misc"
        if any(hint in venue for hint in _CONFERENCE_HINTS):
            return "inproceedings"
        return "article"

    def to_bibtex(self, key: str | None = None) -> str:
        """A BibTeX entry built from the metadata, every value LaTeX-escaped."""
        key = key or self.key
        kind = self.entry_type()
        fields: list[tuple[str, str]] = [("title", "{" + latex_escape(self.title) + "}")]
        if self.authors:
            fields.append(("author", " and ".join(_bibtex_name(a) for a in self.authors)))
        if self.year:
            fields.append(("year", str(self.year)))
        if kind == "inproceedings":
            fields.append(("booktitle", latex_escape(self.venue or "")))
        elif kind == "article":
            fields.append(("journal", latex_escape(self.venue or "")))
        if self.arxiv_id:
            fields += [("eprint", self.arxiv_id), ("archivePrefix", "arXiv")]
            if kind == "misc":
                fields.append(("howpublished", f"arXiv:{self.arxiv_id}"))
        if self.doi:
            fields.append(("doi", _url_safe(self.doi)))
        link = self.url or (f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None)
        if link:
            fields.append(("url", _url_safe(link)))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@{kind}{{{key},\n{body}\n}}\n"


def _bibtex_name(author: str) -> str:
    if author == OTHERS:
        return OTHERS
    # Braces keep multi-word family names and odd names intact; escaping keeps LaTeX valid.
    name = latex_escape(author)
    if re.search(r"\band\b", author, flags=re.IGNORECASE):
        return "{" + name + "}"  # one name, not two: "Ernst and Young" stays together
    if "," in author:
        return name
    family = last_name(author)
    given = author[: len(author) - len(family)].strip()
    if " " in family:
        family_tex = "{" + latex_escape(family) + "}"
        return f"{family_tex}, {latex_escape(given)}" if given else family_tex
    return name


def _url_safe(value: str) -> str:
    # url/doi fields go to \url{} or \href{}: drop braces, backslashes and spaces; escape % and #.
    cleaned = re.sub(r"[{}\\\s]", "", value)
    return cleaned.replace("%", r"\%").replace("#", r"\#")


def unique_keys(records: Sequence[PaperRecord]) -> list[str]:
    """BibTeX keys for ``records`` in order, made unique with suffixes ``a``, ``b``, ...

    Example: two different Ho 2020 "Denoising ..." papers get ``ho2020denoising`` and
    ``ho2020denoisinga``.
    """
    used: set[str] = set()
    keys: list[str] = []
    for rec in records:
        base = key = rec.key
        n = 0
        while key in used:
            key = f"{base}{_suffix(n)}"
            n += 1
        used.add(key)
        keys.append(key)
    return keys


def _suffix(n: int) -> str:
    """0 → 'a', 25 → 'z', 26 → 'aa'."""
    letters = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters


def dedupe(records: Iterable[PaperRecord]) -> list[PaperRecord]:
    """Records with duplicates dropped (same DOI, arXiv id, or title and year); first wins."""
    seen: set[str] = set()
    out: list[PaperRecord] = []
    for rec in records:
        ids = {rec.identity(), f"title:{normalize_title(rec.title)}:{rec.year or ''}"}
        if rec.arxiv_id:
            ids.add(f"arxiv:{rec.arxiv_id}")
        if ids & seen:
            continue
        seen |= ids
        out.append(rec)
    return out


def bibliography(records: Sequence[PaperRecord]) -> str:
    """A whole ``references.bib`` for ``records`` (deduplicated, keys unique)."""
    unique = dedupe(records)
    return "\n".join(rec.to_bibtex(key) for rec, key in zip(unique, unique_keys(unique),
                                                            strict=True))
