"""Hybrid fusion: reciprocal rank fusion's order and weights, and hybrid retrieval's fusion over a small index
with hashing vectors (the real model's ranking is checked in tests/retrieval/test_retrieval.py)."""

from __future__ import annotations

import pytest

from advisor.retrieval.hybrid import HybridRetriever, reciprocal_rank_fusion
from advisor.tuning import FusionWeights, Tuning
from tests.conftest import make_chunk
from tests.retrieval.conftest import IndexFactory

A, B, C, D, E = (make_chunk(doc, f"Text of {doc}.") for doc in "abcde")


def ids(scored) -> list[str]:  # noqa: ANN001
    return [c.doc_id for c, _ in scored]


def test_a_chunk_found_by_several_lists_outranks_one_found_once_even_at_the_top():
    fused = reciprocal_rank_fusion([[(A, 0.9), (B, 0.8)], [(B, 12.0), (C, 3.0)]], k=60)
    assert ids(fused) == ["b", "a", "c"]
    assert [s for _, s in fused] == pytest.approx([1 / 61 + 1 / 62, 1 / 61, 1 / 62])


def test_only_ranks_count_not_the_scores_the_lists_carry():
    fused = reciprocal_rank_fusion([[(A, 0.01), (B, 0.001)], [(C, 1000.0), (D, 999.0)]], k=1)
    scores = {c.doc_id: s for c, s in fused}
    assert scores == pytest.approx({"a": 1 / 2, "c": 1 / 2, "b": 1 / 3, "d": 1 / 3})


def test_weights_scale_each_lists_votes():
    lists = [[(A, 1.0), (B, 0.5)], [(B, 1.0), (A, 0.5)]]
    assert ids(reciprocal_rank_fusion(lists, k=60, weights=[1.0, 2.0])) == ["b", "a"]
    assert ids(reciprocal_rank_fusion(lists, k=60, weights=[2.0, 1.0])) == ["a", "b"]
    weighted = dict((c.doc_id, s) for c, s in reciprocal_rank_fusion([[(A, 1.0)]], k=60, weights=[0.5]))
    assert weighted["a"] == pytest.approx(0.5 / 61)
    assert reciprocal_rank_fusion([[(A, 1.0)], []], k=60, weights=[0.0, 1.0])[0][1] == 0.0


def test_a_smaller_k_favours_the_top_of_one_list_over_agreement_lower_down():
    # C is third in both lists; A and D are first in one
    lists = [[(A, 1.0), (B, 0.9), (C, 0.8)], [(D, 1.0), (E, 0.9), (C, 0.8)]]
    assert ids(reciprocal_rank_fusion(lists, k=60))[0] == "c"  # 2/63 > 1/61
    assert ids(reciprocal_rank_fusion(lists, k=0))[:3] == ["a", "d", "c"]  # 1/1 > 2/3 > 1/2


def test_one_weight_per_list_is_required():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[(A, 1.0)], [(B, 1.0)]], weights=[1.0])


def test_hybrid_rank_fusion_with_only_the_keyword_weight_ranks_as_bm25_on_the_focused_query(
        make_index: IndexFactory):
    chunks = [
        make_chunk("role", "A medical director leads the medical staff.", section="Role"),
        make_chunk("pay", "A medical director earns a salary and a bonus.", section="Pay"),
        make_chunk("bonus", "The bonus of a medical director depends on quality targets.", section="Bonus"),
        make_chunk("shifts", "Every medical director keeps clinical shifts.", section="Shifts"),
    ]
    tuning = Tuning(fusion="rrf", fusion_weights=FusionWeights(dense=0.0, focused=0.0, bm25=1.0))
    index = make_index(chunks, tuning=tuning)
    question = "What bonus and salary does a medical director earn?"
    focused = index.terms.focus(question)
    assert focused == "salary earn"  # "bonus" is in half the chunks: a topic word, like "medical director"
    ranking = HybridRetriever(index).rank(question, candidates=4)
    assert ranking.keyword == index.keyword(focused, 4) and len(ranking.dense) == 4
    assert ids(ranking.ranked)[:1] == ids(ranking.keyword) == ["pay"]  # the "bonus" chunk is no keyword hit
    assert [s for _, s in ranking.ranked[1:]] == [0.0, 0.0, 0.0]  # found by dense search only: no weight


def test_weighted_fusion_with_only_the_heading_weight_ranks_by_heading(make_index: IndexFactory):
    chunks = [
        make_chunk("pay", "Directors are paid well in most regions.", section="Salary and bonus"),
        make_chunk("time", "Directors split their days between meetings.", section="A typical week"),
    ]
    tuning = Tuning(fusion_weights=FusionWeights(dense=0.0, focused=0.0, bm25=0.0, sentence=0.0, heading=1.0),
                    short_focus_words=0)
    index = make_index(chunks, tuning=tuning)
    retriever = HybridRetriever(index)
    assert ids(retriever.rank("What does a typical week look like?", 2).ranked) == ["time", "pay"]
    assert ids(retriever.rank("What salary and bonus can I expect?", 2).ranked) == ["pay", "time"]
