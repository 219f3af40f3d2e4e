"""Repeated questions are answered from the cache, and only while nothing they depend on has changed."""

from __future__ import annotations

from advisor.models import Turn
from advisor.service import Advisor
from advisor.settings import Settings

QUESTION = "What does a medical director do in a health insurance company?"


def test_the_same_question_is_replayed_with_the_same_answer(advisor):
    advisor.answers.clear()
    first = advisor.ask(QUESTION)
    again = advisor.ask(f"  {QUESTION.upper()} ")  # case and spacing do not make a new question
    assert "cached" not in first.metadata and again.metadata["cached"] is True
    assert again.question == QUESTION.upper()  # the replay answers this asker's question as asked
    assert (again.text, again.citations, again.refused) == (first.text, first.citations, first.refused)
    streamed = "".join(e.delta for e in advisor.ask_stream(QUESTION))
    assert streamed.strip() == first.text.strip()


def test_another_conversation_or_retriever_is_worked_out_afresh(advisor):
    advisor.answers.clear()
    advisor.ask(QUESTION)
    history = [Turn(role="user", content="Where do medical directors work?"),
               Turn(role="assistant", content="In many places.")]
    assert "cached" not in advisor.ask(QUESTION, history).metadata
    assert "cached" not in advisor.ask(QUESTION, retriever="bm25").metadata


def test_an_ingest_that_changes_the_index_retires_cached_answers(fresh_settings: Settings, embedder,
                                                                 tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "roles.md").write_text(
        "# Medical director roles\n\nA medical director in an insurance company reviews medical policies "
        "and complex claims.\n", encoding="utf-8")
    service = Advisor(fresh_settings.model_copy(update={"corpus_dir": docs}), embedder=embedder)
    service.ingest()
    before = service.ask(QUESTION)
    (docs / "pay.md").write_text(
        "# Medical director pay\n\nInsurance medical directors are often paid a salary plus a bonus.\n",
        encoding="utf-8")
    service.ingest()
    after = service.ask(QUESTION)
    assert "cached" not in after.metadata
    assert service.ask(QUESTION).metadata["cached"] is True
    assert before.refused or before.citations


def test_a_cache_of_size_zero_keeps_nothing(fresh_settings: Settings, embedder, tmp_path):
    docs = tmp_path / "docs"  # one small document: the shipped corpus would take seconds to ingest
    docs.mkdir()
    (docs / "roles.md").write_text(
        "# Medical director roles\n\nA medical director in a health insurance company reviews medical "
        "policies and complex claims.\n", encoding="utf-8")
    service = Advisor(fresh_settings.model_copy(update={"answer_cache_size": 0, "corpus_dir": docs}),
                      embedder=embedder)
    service.ingest()
    service.ask(QUESTION)
    assert "cached" not in service.ask(QUESTION).metadata and len(service.answers) == 0
