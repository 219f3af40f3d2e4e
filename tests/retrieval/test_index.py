"""The loaded index: the chunk that follows another, the context added around hits, searches, refreshes.

Hand-made chunks in memory and hashing vectors (no model, no Chroma); tests/retrieval/test_retrieval.py runs
the same index over the shipped corpus with the real model and store.
"""

from __future__ import annotations

import pytest

from advisor.models import RetrievedChunk
from advisor.retrieval.index import SearchIndex
from tests.conftest import make_chunk
from tests.retrieval.conftest import IndexFactory

G0 = make_chunk("guide", "Directors set clinical policy for the whole hospital.", 0, "Role")
G1 = make_chunk("guide", "Credentials that help: the CPE and the CMQ.", 60, "Credentials")
G2 = make_chunk("guide", "Budgets and margins are reviewed every quarter.", 120, "Finance")
F0 = make_chunk("faq", "What does the job pay? Salaries vary by region.", 0, "Pay")
F1 = make_chunk("faq", "Most directors keep some clinical shifts.", 80, "Clinical work")


@pytest.fixture
def index(make_index: IndexFactory) -> SearchIndex:
    return make_index([G2, F1, G0, F0, G1])  # stored out of document order


def hit(chunk, rank: int, score: float = 1.0) -> RetrievedChunk:  # noqa: ANN001
    return RetrievedChunk(chunk=chunk, score=score, rank=rank)


def test_next_chunk_is_the_nearest_following_chunk_of_the_same_document(index: SearchIndex):
    assert index.next_chunk(G0) == G1  # not G2, which also follows
    assert index.next_chunk(G1) == G2
    assert index.next_chunk(F0) == F1
    assert index.next_chunk(G2) is None and index.next_chunk(F1) is None
    assert index.next_chunk(make_chunk("unknown", "Not indexed.", 0)) is None


def test_context_adds_the_chunks_after_the_best_hits_marked_with_the_hit_they_continue(index: SearchIndex):
    hits = [hit(G0, 1, 0.9), hit(F0, 2, 0.8), hit(G2, 3, 0.7)]
    retrieved = index.with_context(hits)
    assert [(r.chunk, r.rank, r.follows_rank) for r in retrieved] == [
        (G0, 1, None), (F0, 2, None), (G2, 3, None), (G1, 4, 1), (F1, 5, 2)]
    assert [r.score for r in retrieved[3:]] == [0.0, 0.0]  # context, not hits
    assert [r.reading_rank for r in retrieved] == [1, 2, 3, 2, 3]  # read right after the hit it continues
    assert [r.chunk for r in index.with_context(hits, neighbours_of=1)] == [G0, F0, G2, G1]
    assert [r.rank for r in hits] == [1, 2, 3] and all(r.follows_rank is None for r in hits)  # not changed


def test_a_following_chunk_that_is_already_a_hit_is_not_repeated(index: SearchIndex):
    retrieved = index.with_context([hit(G0, 1), hit(G1, 2)])
    assert [(r.chunk, r.rank, r.follows_rank) for r in retrieved] == [
        (G0, 1, None), (G1, 2, None), (G2, 3, 2)]


def test_a_follow_ups_own_hits_come_after_the_hits_with_their_own_rank(index: SearchIndex):
    hits = [hit(G0, 1), hit(F0, 2)]
    extra = [hit(F1, 1), hit(G0, 2)]  # G0 is already a hit; F1 would also be F0's context chunk
    retrieved = index.with_context(hits, extra)
    assert [(r.chunk, r.rank, r.follow_up_rank, r.follows_rank) for r in retrieved] == [
        (G0, 1, None, None), (F0, 2, None, None), (F1, 3, 1, None), (G1, 4, None, 1)]
    assert retrieved[2].reading_rank == 1  # weighed where the follow-up's own words ranked it


def test_keyword_and_dense_search_return_the_indexed_chunks(index: SearchIndex):
    assert index.chunk_count == 5 and not index.is_large
    assert [c for c, _ in index.keyword("quarterly budgets", 3)] == [G2]  # only chunks holding a query term
    nearest = index.dense("Most directors keep some clinical shifts.", 2)
    assert nearest[0][0] == F1 and nearest[0][1] > nearest[1][1]
    rankings = index.dense_many(["margins", "CMQ CPE"], 1)
    assert [[c for c, _ in ranking] for ranking in rankings] == [[G2], [G1]]


def test_a_new_store_version_is_loaded_on_refresh(index: SearchIndex):
    g3 = make_chunk("guide", "Networking opens doors to leadership roles.", 200, "Networking")
    index.store.chunks.append(g3)  # type: ignore[attr-defined]
    index.store.vectors[g3.chunk_id] = index.embedder.embed([g3.index_text()])[0]  # type: ignore[attr-defined]
    index.refresh(force=True)
    assert index.next_chunk(G2) is None  # the same version: nothing reloaded
    index.store._version = "v2"  # type: ignore[attr-defined]  # as after an ingest by another process
    index.refresh(force=True)
    assert index.index_version == "v2" and index.chunk_count == 6
    assert index.next_chunk(G2) == g3
    assert [c for c, _ in index.keyword("networking", 2)] == [g3]
    assert index.dense("Networking opens doors to leadership roles.", 1)[0][0] == g3
