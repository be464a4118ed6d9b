"""The offline source: the bundled corpus is sound and bm25 search finds the right papers."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from agents.literature.offline import BUNDLED_CORPUS, OfflineSource, fts_query
from agents.literature.records import normalize_title


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> OfflineSource:
    return OfflineSource(tmp_path_factory.mktemp("lit") / "offline_index.sqlite")


@pytest.mark.parametrize(("query", "title"), [
    ("denoising diffusion probabilistic models", "Denoising Diffusion Probabilistic Models"),
    ("adaptive moment estimation optimizer", "Adam: A Method for Stochastic Optimization"),
    ("grokking modular arithmetic", "Grokking modular arithmetic"),
    ("classifier-free guidance", "Classifier-Free Diffusion Guidance"),
    ("schedule-free optimizer", "The Road Less Scheduled"),
    ("decoupled weight decay AdamW", "Decoupled Weight Decay Regularization"),
    ("2006.11239", "Denoising Diffusion Probabilistic Models"),
])
def test_finds_the_paper_first(offline: OfflineSource, query: str, title: str) -> None:
    results = offline.search(query, limit=5)
    assert results[0].title == title
    assert results[0].source == "offline"


def test_results_are_ranked_and_limited(offline: OfflineSource) -> None:
    results = offline.search("layer normalization", limit=3)
    assert len(results) == 3
    assert all("normalization" in r.title.lower() for r in results)


@pytest.mark.parametrize("query", ['"unbalanced AND (', "NEAR(a b)", "title:adam*", "-", "   "])
def test_search_syntax_never_leaks(offline: OfflineSource, query: str) -> None:
    assert isinstance(offline.search(query), list)


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('Adam "NEAR" the optimizer*') == '"adam" OR "near" OR "optimizer"'


def test_bundled_corpus_is_complete_and_sound() -> None:
    lines = BUNDLED_CORPUS.read_text("utf-8").splitlines()
    assert 120 <= len(lines) <= 250
    ids: set[str] = set()
    titles: set[str] = set()
    allowed = {"title", "authors", "year", "venue", "arxiv_id", "doi", "summary", "abstract"}
    for line in lines:
        paper = json.loads(line)
        assert set(paper) <= allowed, paper["title"]
        assert paper["title"] and paper["authors"] and paper["venue"] and paper["summary"]
        assert 1900 < paper["year"] <= 2026
        assert paper.get("arxiv_id") or paper.get("doi"), paper["title"]
        if "arxiv_id" in paper:
            assert re.fullmatch(r"\d{4}\.\d{4,5}", paper["arxiv_id"]), paper["arxiv_id"]
            yymm = paper["arxiv_id"][:4]
            assert int(yymm[:2]) + 2000 <= paper["year"] + 1, paper["title"]  # id predates venue
        if "doi" in paper:
            assert paper["doi"].startswith("10."), paper["doi"]
        ident = paper.get("arxiv_id") or paper["doi"]
        assert ident not in ids
        ids.add(ident)
        assert normalize_title(paper["title"]) not in titles
        titles.add(normalize_title(paper["title"]))


def test_index_follows_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(json.dumps({"title": "Alpha Paper", "authors": ["A. Author"], "year": 2020,
                                  "venue": "X", "arxiv_id": "2001.00001"}) + "\n")
    source = OfflineSource(tmp_path / "index.sqlite", corpus_path=corpus)
    assert [p.title for p in source.search("alpha")] == ["Alpha Paper"]

    with corpus.open("a") as f:
        f.write(json.dumps({"title": "Beta Paper", "authors": ["B. Author"], "year": 2021,
                            "venue": "Y", "doi": "10.1/beta"}) + "\n")
    assert [p.title for p in source.search("beta")] == ["Beta Paper"]
    assert OfflineSource(tmp_path / "index.sqlite", corpus_path=corpus).count() == 2


def test_deleted_index_is_rebuilt(tmp_path: Path) -> None:
    source = OfflineSource(tmp_path / "index.sqlite")
    assert source.search("dropout")
    (tmp_path / "index.sqlite").unlink()
    assert source.search("dropout")


def test_concurrent_first_searches(tmp_path: Path) -> None:
    source = OfflineSource(tmp_path / "index.sqlite")
    found: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            found.append(source.search("batch normalization", 1)[0].title)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(found)) == 1 and len(found) == 8
