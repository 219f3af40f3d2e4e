"""Known questions retrieve their document first, in every retrieval mode the advisor offers."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.retrieval.base import UnknownRetrieverError

KNOWN = [
    ("What salary range can a medical director expect?", "medical-director-eligibility-opportunities"),
    ("What is the Certified Medical Quality credential about?", "become-medical-director-7-steps"),
    ("What should I do in the first 30 days of a 90-day leadership plan?", "medical-director-next-calling"),
    (
        "Why should a prospective medical director build a diverse network?",
        "recruitingblogs-become-medical-director",
    ),
    ("What are the key aspects of a career in medical directorship?", "career-as-medical-director"),
]


@pytest.mark.parametrize(("question", "doc_id"), KNOWN)
def test_known_question_retrieves_its_document_first(advisor, question: str, doc_id: str):
    hits = advisor.retrieve(question)
    assert hits[0].chunk.doc_id == doc_id
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_modes_differ_and_unknown_mode_is_refused(advisor):
    question = "How much do medical directors earn?"
    bm25 = advisor.retrieve(question, mode="bm25")
    dense = advisor.retrieve(question, mode="dense")
    assert all(h.bm25_score is not None and h.dense_score is None for h in bm25)
    assert all(h.dense_score is not None and h.bm25_score is None for h in dense)
    with pytest.raises(UnknownRetrieverError, match="hybrid"):
        advisor.retrieve(question, mode="semantic")  # type: ignore[arg-type]


def test_focused_query_drops_topic_words_and_question_filler_but_keeps_rare_pairs(advisor):
    assert advisor.index.terms.focus("How much do medical directors earn?") == "earn"
    # "healthcare" and "director" are each in most chunks, but the pair is rare: it names one section.
    assert (
        advisor.index.terms.focus("How is a healthcare director different from a medical director?")
        == "healthcare director different"
    )
    assert (
        advisor.index.terms.focus("What is a medical director?") == "What is a medical director?"
    )  # nothing left


def test_context_chunks_say_which_hit_they_continue(advisor):
    hits = advisor.retrieve("Which certifications prove leadership skills without a degree?")
    retrieved = advisor.index.with_context(hits)
    context = [r for r in retrieved if r.follows_rank is not None]
    assert all(r.follows_rank is None for r in retrieved[: len(hits)])
    assert context, "the chunks after the two best hits are added as context"
    for extra in context:
        followed = next(h for h in hits if h.rank == extra.follows_rank)
        assert advisor.index.next_chunk(followed.chunk) == extra.chunk


def test_topic_words_are_what_the_focused_query_drops(advisor):
    question = "How much clinical experience do I need before applying for a medical director job?"
    assert advisor.index.terms.topic_words(question) == "medical director"
    assert "experience" in advisor.index.terms.focus(question)


def test_specific_terms_leave_out_topic_words_even_in_a_rare_pair(advisor):
    # unlike `focus`, which keeps "healthcare director" whole to find its section
    assert advisor.index.terms.specific_terms("How is a healthcare director different?") == {"differ"}
    assert advisor.index.terms.specific_terms("What do medical directors earn in the United States?") == {
        "earn", "unit", "state"}


def test_a_follow_ups_own_hits_are_marked_for_the_answer(advisor):
    hits = advisor.retrieve("How much clinical experience do I need?")
    extra = advisor.retrieve("And what does the medical director job typically pay?", k=2)
    retrieved = advisor.index.with_context(hits, extra)
    added = [r for r in retrieved[len(hits):] if r.follow_up_rank is not None]
    assert any("Salary" in r.chunk.section for r in added), "the pay question's own hit reaches the answer"
    assert all(r.reading_rank == r.follow_up_rank <= 2 and r.rank > len(hits) for r in added)
    assert {r.chunk.chunk_id for r in added} <= {r.chunk.chunk_id for r in extra}


def test_hybrid_ranks_within_an_embedding_budget_on_a_cold_cache(advisor):
    """A large corpus is not pre-embedded: with no budget for new sentence or heading vectors, hybrid
    still ranks (on what is cached, dense and BM25), and a question's right document stays first."""
    from advisor.retrieval.embeddings import SentenceTransformerEmbedder
    from advisor.retrieval.hybrid import HybridRetriever
    from advisor.retrieval.index import SearchIndex

    cold = SentenceTransformerEmbedder()
    cold.load()
    settings = advisor.settings.model_copy(update={"evidence_embedding_budget": 0, "pin_max_chunks": 10})
    retriever = HybridRetriever(SearchIndex(settings, advisor.store, cold))
    question = "What does a medical director do in a government agency?"
    hits = retriever.retrieve(question)
    assert hits and all(np.isfinite(h.score) for h in hits)
    assert hits[0].chunk.doc_id == "medical-director-eligibility-opportunities"
    assert len(cold._cache) <= 2  # only the question and its focused form were embedded


def test_nearest_chunks_are_the_same_whether_texts_come_from_the_store_or_from_memory(advisor):
    """The retriever holds every chunk, so it asks the store for ids and distances only; a hit it does not
    hold (written since it loaded) is read from the store, never dropped."""
    vector = advisor.embedder.embed(["What does a medical director do in a government agency?"])[0]
    store = advisor.store
    from_store = store.query_many([vector], 8)[0]
    held = {c.chunk_id: c for c in advisor.index.all_chunks()}
    missing = from_store[0][0].chunk_id
    partly_held = {i: c for i, c in held.items() if i != missing}
    for known in (held, partly_held):
        hits = store.query_many([vector], 8, known=known)[0]
        assert [(c.chunk_id, c.text, round(s, 6)) for c, s in hits] == [
            (c.chunk_id, c.text, round(s, 6)) for c, s in from_store]


def test_a_pinned_corpus_is_searched_in_memory_with_the_stores_results(advisor):
    """Below `pin_max_chunks` dense search runs over the vectors held in memory; it finds what the store
    finds, in the same order, with the same similarities."""
    from advisor.retrieval.index import SearchIndex

    question = "Which certifications help a physician become a medical director?"
    pinned = SearchIndex(advisor.settings, advisor.store, advisor.embedder)
    unpinned = SearchIndex(advisor.settings.model_copy(update={"pin_max_chunks": 10}), advisor.store,
                           advisor.embedder)
    assert pinned.chunk_count > 10
    in_memory, from_store = pinned.dense(question, 12), unpinned.dense(question, 12)
    assert pinned._pinned is not None and unpinned._pinned is None
    assert [c.chunk_id for c, _ in in_memory] == [c.chunk_id for c, _ in from_store]
    assert np.allclose([s for _, s in in_memory], [s for _, s in from_store], atol=1e-5)
