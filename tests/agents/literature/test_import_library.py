"""A user's own .bib or .jsonl joins the offline library; bad entries are reported, not fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.literature.base import LibraryImportError
from agents.literature.offline import OfflineSource

BIB = r"""
@article{smith2021,
  title = {Quantum {Gardening} with Sparse Tomatoes},
  author = {Smith, Alice and van der Berg, Bob and others},
  journal = {Journal of Imaginary Horticulture},
  year = {2021},
  doi = {10.9999/qgst.2021}
}

@inproceedings{lee2022,
  title = "Zebra Striping Improves Convolutional Kernels",
  author = "Lee, Chen",
  booktitle = {Proceedings of the Made-Up Conference},
  year = 2022,
  eprint = {2201.99999},
  archivePrefix = {arXiv}
}

@misc{notitle,
  author = {Nobody, Nemo},
  year = {2020}
}

@article{ho2020dup,
  title = {Denoising Diffusion Probabilistic Models},
  author = {Ho, Jonathan},
  year = {2020},
  eprint = {2006.11239},
  archivePrefix = {arXiv}
}

@article{broken,
  title = {Never closed
"""


@pytest.fixture
def library(tmp_path: Path) -> OfflineSource:
    return OfflineSource(tmp_path / "cache" / "offline_index.sqlite")


def test_bib_import_adds_searchable_entries(library: OfflineSource, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    report = library.import_library(bib)

    assert report.added == 2
    assert report.duplicates == 1  # the DDPM entry is already in the bundled corpus
    assert {s.where for s in report.skipped} >= {"entry 'notitle'"}
    assert any("no title" in s.reason for s in report.skipped)
    assert len(report.skipped) == 2  # the untitled entry and the unterminated block

    [garden] = library.search("quantum gardening tomatoes", limit=1)
    assert garden.title == "Quantum Gardening with Sparse Tomatoes"
    assert garden.authors == ["Alice Smith", "Bob van der Berg", "others"]
    assert garden.doi == "10.9999/qgst.2021"
    assert garden.venue == "Journal of Imaginary Horticulture"
    [zebra] = library.search("zebra striping", limit=1)
    assert zebra.arxiv_id == "2201.99999" and zebra.year == 2022


def test_jsonl_import_adds_searchable_entries(library: OfflineSource, tmp_path: Path) -> None:
    path = tmp_path / "refs.jsonl"
    path.write_text("\n".join([
        json.dumps({"title": "Gradient Noise in Sourdough Fermentation",
                    "authors": "Baker, Paul and Crumb, Ada", "year": "2023",
                    "venue": "Bread Letters", "arxiv": "2301.99999"}),
        json.dumps({"authors": ["No Title"], "year": 2020}),
        "{not json",
        json.dumps(["a", "list"]),
        "",
        json.dumps({"title": "Pretzel Attention", "authors": ["K. Twist"], "year": "n.d."}),
    ]) + "\n")
    report = library.import_library(path)

    assert report.added == 2
    assert [(s.where, s.reason) for s in report.skipped] == [
        ("line 2", "no title"), ("line 3", "not valid JSON"), ("line 4", "not a JSON object")]
    [sourdough] = library.search("sourdough gradient noise", limit=1)
    assert sourdough.authors == ["Paul Baker", "Ada Crumb"]
    assert sourdough.year == 2023 and sourdough.arxiv_id == "2301.99999"
    assert library.search("pretzel", limit=1)[0].year is None


def test_importing_twice_adds_nothing(library: OfflineSource, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    library.import_library(bib)
    before = library.count()
    again = library.import_library(bib)
    assert again.added == 0 and again.duplicates == 3
    assert library.count() == before


def test_imports_survive_a_deleted_index(library: OfflineSource, tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    library.import_library(bib)
    library.index_path.unlink()
    fresh = OfflineSource(library.index_path)
    assert fresh.search("zebra striping", limit=1)[0].title.startswith("Zebra")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("refs.txt", "x", "unsupported file type '.txt'"),
    ("missing.bib", None, "no such file"),
    ("latin1.bib", b"@misc{a, title={Caf\xe9}}", "not UTF-8"),
])
def test_unreadable_file_is_one_clear_error(library: OfflineSource, tmp_path: Path, name: str,
                                            content: str | bytes | None, message: str) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(LibraryImportError, match=message) as info:
        library.import_library(path)
    assert "\n" not in str(info.value)


def test_empty_file_adds_nothing(library: OfflineSource, tmp_path: Path) -> None:
    path = tmp_path / "empty.bib"
    path.write_text("")
    report = library.import_library(path)
    assert (report.added, report.duplicates, report.skipped) == (0, 0, [])
