"""BibTeX built from metadata alone is valid LaTeX input, and its keys resolve."""

from __future__ import annotations

import json
import re

import bibtexparser
import pytest

from agents.literature.openalex import parse_works
from agents.literature.records import (
    OTHERS,
    PaperRecord,
    bibliography,
    dedupe,
    latex_escape,
    unique_keys,
)

from .fakes import DATA


def unescaped_braces_balanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.fixture
def openalex_records() -> list[PaperRecord]:
    return parse_works(json.loads((DATA / "openalex_works.json").read_text()))


def test_openalex_record_gives_valid_bibtex(openalex_records: list[PaperRecord]) -> None:
    rec = openalex_records[1]  # "Loss & Gain: 50% of_the Variance in {Deep} Nets #1"
    bib = rec.to_bibtex()

    assert unescaped_braces_balanced(bib)
    assert r"Loss \& Gain: 50\% of\_the Variance in \{Deep\} Nets \#1" in bib
    assert re.search(r"(?<!\\)[&%#]", bib.replace("url = ", "").split("doi = ")[0]) is None
    assert bib.startswith(f"@article{{{rec.key},")
    assert r"journal = {Journal of Tests \& Benchmarks}" in bib
    assert "year = {2019}" in bib
    assert "{van den Berg}, Rianne" in bib

    [entry] = bibtexparser.parse_string(bib).entries  # a real BibTeX parser accepts it
    assert entry.key == rec.key == "obriensmith2019loss"
    assert {"title", "author", "year", "journal", "doi"} <= set(entry.fields_dict)


def test_arxiv_only_record_is_misc_with_eprint(openalex_records: list[PaperRecord]) -> None:
    ddpm = openalex_records[0]
    assert ddpm.arxiv_id == "2006.11239"
    assert ddpm.venue == "arXiv"
    assert ddpm.abstract == "We present high quality image synthesis results using diffusion models."
    bib = ddpm.to_bibtex()
    assert bib.startswith("@misc{ho2020denoising,")
    assert "eprint = {2006.11239}" in bib and "archivePrefix = {arXiv}" in bib


def test_conference_venue_is_inproceedings() -> None:
    rec = PaperRecord(title="Adam: A Method for Stochastic Optimization",
                      authors=["Diederik P. Kingma", "Jimmy Ba"], year=2015, venue="ICLR")
    bib = rec.to_bibtex()
    assert bib.startswith("@inproceedings{kingma2015adam,")
    assert "booktitle = {ICLR}" in bib
    assert "author = {Diederik P. Kingma and Jimmy Ba}" in bib


def test_truncated_author_list_ends_with_and_others() -> None:
    rec = PaperRecord(title="Toy Models of Superposition", authors=["Nelson Elhage", OTHERS],
                      year=2022)
    assert "author = {Nelson Elhage and others}" in rec.to_bibtex()
    assert "Elhage et al. (2022)" in rec.cite_line()


def test_author_containing_and_stays_one_name() -> None:
    rec = PaperRecord(title="T", authors=["Ernst and Young", "Jane Doe"], year=2020)
    assert "author = {{Ernst and Young} and Jane Doe}" in rec.to_bibtex()


def test_keys_skip_stopwords_and_fold_accents() -> None:
    rec = PaperRecord(title="On the Spectral Bias", authors=["Stéphane Mallat"], year=None)
    assert rec.key == "mallatndspectral"
    assert PaperRecord(title="The", authors=[]).key == "anonndthe"


def test_duplicate_keys_get_suffixes() -> None:
    a = PaperRecord(title="Deep Learning A", authors=["Y. LeCun"], year=2015)
    b = PaperRecord(title="Deep Learning B", authors=["Y. LeCun"], year=2015)
    c = PaperRecord(title="Other", authors=["Y. LeCun"], year=2015)
    assert unique_keys([a, b, c, a]) == ["lecun2015deep", "lecun2015deepa", "lecun2015other",
                                         "lecun2015deepb"]


def test_bibliography_dedupes_and_every_cite_resolves(
        openalex_records: list[PaperRecord]) -> None:
    same_paper = openalex_records[0].model_copy(update={"source": "arxiv", "doi": None})
    bib = bibliography([*openalex_records, same_paper])
    entries = bibtexparser.parse_string(bib).entries
    assert len(entries) == 2
    assert len(dedupe([*openalex_records, same_paper])) == 2
    keys = {e.key for e in entries}
    assert keys == {r.key for r in openalex_records}


def test_cite_line_is_short_and_informative() -> None:
    rec = PaperRecord(title="Denoising Diffusion Probabilistic Models",
                      authors=["Jonathan Ho", "Ajay Jain", "Pieter Abbeel"], year=2020,
                      venue="NeurIPS", arxiv_id="arXiv:2006.11239v2")
    assert rec.cite_line() == ("[ho2020denoising] Ho, Jain, Abbeel (2020). Denoising Diffusion "
                               "Probabilistic Models. NeurIPS. arXiv:2006.11239")


def test_model_dump_carries_the_key() -> None:
    rec = PaperRecord(title="Layer Normalization", authors=["Jimmy Lei Ba"], year=2016)
    data = rec.model_dump(mode="json")
    assert data["key"] == "ba2016layer"
    assert PaperRecord.model_validate(data) == rec


def test_latex_escape_covers_every_special() -> None:
    assert latex_escape(r"a&b%c$d#e_f{g}h~i^j\k") == (
        r"a\&b\%c\$d\#e\_f\{g\}h\textasciitilde{}i\textasciicircum{}j\textbackslash{}k")
