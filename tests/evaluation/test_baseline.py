"""The textbook LangChain baseline retriever, against the real model and a real Chroma in a temp folder."""

from __future__ import annotations

from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.registry import RETRIEVERS
from advisor.service import Advisor
from advisor.settings import Settings

SEVEN_STEPS = "become-medical-director-7-steps"
NEXT_CALLING = "medical-director-next-calling"


def test_baseline_chunks_retrieves_and_rebuilds_on_store_change(fresh_settings: Settings,
                                                               embedder: SentenceTransformerEmbedder) -> None:
    assert "baseline" in RETRIEVERS
    advisor = Advisor(fresh_settings, embedder=embedder)
    assert advisor.ingest([fresh_settings.corpus_dir / f"{SEVEN_STEPS}.txt"]).ok
    got = advisor.retrieve("How many years of clinical practice are needed?", mode="baseline")
    assert 1 <= len(got) <= 4
    assert [r.rank for r in got] == list(range(1, len(got) + 1))
    document = advisor.document(SEVEN_STEPS)
    assert document is not None
    for r in got:
        assert r.chunk.doc_id == SEVEN_STEPS and r.dense_score is not None
        assert len(r.chunk.text) <= 1000
        assert document.text[r.chunk.start : r.chunk.end] == r.chunk.text
    assert any("five to ten years" in r.chunk.text for r in got)
    collection = advisor.store.client.get_collection(f"{fresh_settings.collection_name}_baseline")
    first_count = collection.count()
    assert first_count >= 8  # ~9,000 characters in chunks of at most 1,000 with 200 overlap

    # A new document changes the store's version: the baseline collection is rebuilt and finds it.
    assert advisor.ingest([fresh_settings.corpus_dir / f"{NEXT_CALLING}.txt"]).ok
    got = advisor.retrieve("What should I do in a 90-day plan to prepare for leadership?",
                                     mode="baseline")
    assert got[0].chunk.doc_id == NEXT_CALLING
    rebuilt = advisor.store.client.get_collection(f"{fresh_settings.collection_name}_baseline")
    assert rebuilt.count() > first_count

    answer = advisor.ask("What should I do in a 90-day plan to prepare for leadership?", retriever="baseline")
    assert not answer.refused and answer.citations
    retrieved_ids = {r.chunk.chunk_id for r in answer.retrieved}
    for citation in answer.citations:
        assert citation.chunk_id in retrieved_ids
        cited = advisor.document(citation.doc_id)
        assert cited is not None and citation.snippet in cited.text
