"""Answers cite verbatim snippets of retrieved chunks; out-of-scope questions are refused."""

from __future__ import annotations

from advisor.models import Turn


def test_answer_cites_verbatim_snippets_of_retrieved_chunks(advisor):
    answer = advisor.ask("How many years of clinical experience do I need before becoming a medical director?")
    assert not answer.refused
    assert answer.citations
    retrieved_ids = {r.chunk.chunk_id for r in answer.retrieved}
    for citation in answer.citations:
        document = advisor.document(citation.doc_id)
        assert document is not None
        assert document.text[citation.start : citation.end] == citation.snippet
        assert citation.chunk_id in retrieved_ids
        assert f"[{citation.n}]" in answer.text
    assert "five to ten years" in answer.text or "5-10 years" in answer.text


def test_clinical_question_is_refused_without_citations(advisor):
    answer = advisor.ask("What is the right dose of metformin for a newly diagnosed diabetic?")
    assert answer.refused and answer.refusal_reason == "clinical"
    assert answer.citations == []
    assert "not" in answer.text.lower() and "medical advice" in answer.text.lower()


def test_follow_up_uses_history(advisor):
    history = [Turn(role="user", content="What does a medical director do in a health insurance company?"),
               Turn(role="assistant", content="They oversee medical policies and utilization reviews.")]
    answer = advisor.ask("and in government agencies?", history=history)
    assert not answer.refused
    assert any("government" in c.snippet.lower() for c in answer.citations)
