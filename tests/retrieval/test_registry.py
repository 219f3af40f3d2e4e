"""Retrievers by name: the built-ins, a clear error for an unknown name, and one registered like a plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from advisor.retrieval.base import Ranking, Retriever, UnknownRetrieverError
from advisor.retrieval.baseline import BaselineRetriever
from advisor.retrieval.bm25 import BM25Retriever
from advisor.retrieval.dense import DenseRetriever
from advisor.retrieval.hybrid import HybridRetriever
from advisor.retrieval.index import SearchIndex
from advisor.retrieval.registry import RETRIEVERS, make_retriever, register_retriever
from tests.conftest import make_chunk
from tests.retrieval.conftest import IndexFactory

CHUNKS = [make_chunk(doc, f"Medical directors and {topic}.", section=topic.title())
          for doc, topic in [("pay", "their salaries"), ("skills", "their leadership skills"),
                             ("path", "the path into the role"), ("faq", "common questions")]]


class Alphabetical(Retriever):
    """An outside retriever: every chunk, by document id."""

    name = "alphabetical"

    def rank(self, query: str, candidates: int) -> Ranking:
        chunks = sorted(self.index.all_chunks(), key=lambda c: c.doc_id)
        return Ranking(ranked=[(c, 1.0 / n) for n, c in enumerate(chunks, start=1)])


@pytest.fixture
def index(make_index: IndexFactory) -> SearchIndex:
    return make_index(CHUNKS, top_k=3)


@pytest.fixture
def plugin() -> Iterator[type[Retriever]]:
    register_retriever(Alphabetical)
    yield Alphabetical
    RETRIEVERS.pop(Alphabetical.name)


@pytest.mark.parametrize(("name", "kind"), [("hybrid", HybridRetriever), ("dense", DenseRetriever),
                                            ("bm25", BM25Retriever), ("baseline", BaselineRetriever)])
def test_built_in_retrievers_are_made_by_name_over_the_given_index(index: SearchIndex, name: str, kind: type):
    retriever = make_retriever(name, index)
    assert type(retriever) is kind and retriever.name == name
    assert retriever.index is index and retriever.settings is index.settings


def test_an_unknown_name_fails_listing_the_valid_ones(index: SearchIndex):
    with pytest.raises(UnknownRetrieverError) as raised:
        make_retriever("semantic", index)
    message = str(raised.value)
    assert "'semantic'" in message
    assert all(name in message for name in ("hybrid", "dense", "bm25", "baseline"))


def test_a_registered_retriever_is_made_and_retrieves_like_a_built_in(index: SearchIndex, plugin):  # noqa: ANN001
    retriever = make_retriever("alphabetical", index)
    assert isinstance(retriever, plugin)
    hits = retriever.retrieve("anything")
    assert [(h.chunk.doc_id, h.rank) for h in hits] == [("faq", 1), ("path", 2), ("pay", 3)]  # top_k: 3
    assert [h.score for h in hits] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert all(h.dense_score is None and h.bm25_score is None for h in hits)
    assert [h.chunk.doc_id for h in retriever.retrieve("anything", k=1)] == ["faq"]
    with pytest.raises(UnknownRetrieverError, match="alphabetical"):
        make_retriever("nope", index)


def test_retrieve_carries_the_dense_and_keyword_scores_a_ranking_saw(index: SearchIndex):
    hits = make_retriever("hybrid", index).retrieve("leadership skills", k=2)
    assert hits[0].chunk.doc_id == "skills"
    assert hits[0].bm25_score is not None and hits[0].bm25_score > 0 and hits[0].dense_score is not None
    assert all(h.bm25_score is None for h in make_retriever("dense", index).retrieve("leadership skills"))
