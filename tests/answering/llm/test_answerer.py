"""The LLM answerer through the real Advisor (real index, real embedder) with scripted chat models for the
exact edge cases: refusals never reach the model, garbage and failures fall back, timeouts cannot hang."""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from advisor.answering.base import AnswererUnavailableError, UnknownAnswererError
from advisor.answering.registry import make_answerer
from advisor.models import Turn
from tests.answering.llm.conftest import CANARY, ScriptedChatModel

QUESTION = "How many years of clinical experience do I need before becoming a medical director?"


def check_citations(advisor, answer) -> None:
    retrieved = {r.chunk.chunk_id for r in answer.retrieved}
    assert answer.citations
    for citation in answer.citations:
        document = advisor.document(citation.doc_id)
        assert document is not None and document.text[citation.start : citation.end] == citation.snippet
        assert citation.chunk_id in retrieved and f"[{citation.n}]" in answer.text


def streamed(advisor, question, **kwargs):
    deltas, answer = [], None
    for event in advisor.ask_stream(question, **kwargs):
        deltas.append(event.delta)
        answer = event.answer or answer
    return "".join(deltas), answer


def test_refused_questions_never_call_the_model(advisor, use_model):
    model = ScriptedChatModel(replies=["Should never be used [1]."])
    name = use_model(model)
    for question in ("What is the best pizza topping in Naples?",
                     "What is the right dose of metformin for a newly diagnosed diabetic?", "   "):
        answer = advisor.ask(question, answerer=name)
        assert answer.refused and answer.citations == []
    assert model.calls == []


def test_valid_markers_become_verbatim_citations_and_stream_matches_answer(advisor, use_model):
    reply = "Plan on [3] years of practice [1][1]. Leadership helps 【2】."
    name = use_model(ScriptedChatModel(replies=[reply]))
    text, answer = streamed(advisor, QUESTION, answerer=name)
    assert not answer.refused and answer.answerer == name
    check_citations(advisor, answer)
    assert [c.n for c in answer.citations] == [1, 2, 3]
    assert text == answer.text and answer.metadata["stream_replaced"] is False
    assert "fallback" not in answer.metadata


def test_prompt_numbers_the_context_and_carries_the_canary(advisor, use_model):
    model = ScriptedChatModel(replies=["Experience matters [1]."])
    advisor.ask(QUESTION, answerer=use_model(model))
    system, user = model.calls[0]
    assert CANARY in system.content and "untrusted" in system.content
    assert "<passage source=" in user.content and "\n[1] " in user.content and QUESTION in user.content


@pytest.mark.parametrize("reply", ["", "   ", "I think so [99][0].", "}}}{{{ \x00\x01 ###", "Yes."])
def test_output_without_valid_citations_falls_back_to_extractive(advisor, use_model, reply):
    text, answer = streamed(advisor, QUESTION, answerer=use_model(ScriptedChatModel(replies=[reply])))
    assert not answer.refused
    assert answer.metadata["fallback"] == "extractive"
    assert answer.metadata["reason"] in ("no_valid_citations", "empty_output: the model returned no text")
    check_citations(advisor, answer)
    assert "five to ten years" in answer.text or "5-10" in answer.text
    # Nothing streamed yet: the fallback is streamed. Otherwise the client is told to replace the text.
    assert answer.metadata["stream_replaced"] is (bool(reply.strip()))
    assert (text == answer.text) is (not reply.strip())


def test_generic_fake_chat_model_streams_through_the_service(advisor, use_model):
    reply = "Most directors first practise for years [1]. An MBA can help [2]."
    fake = GenericFakeChatModel(messages=iter([reply]))
    text, answer = streamed(advisor, QUESTION, answerer=use_model(fake))
    assert text == answer.text and len(answer.citations) == 2


def test_model_errors_fall_back_or_raise_by_setting(advisor, use_model):
    failing = ScriptedChatModel(replies=[ConnectionError("refused")])
    answer = advisor.ask(QUESTION, answerer=use_model(failing))
    assert answer.metadata["fallback"] == "extractive"
    assert str(answer.metadata["reason"]).startswith("unreachable")
    with pytest.raises(AnswererUnavailableError, match="unavailable"):
        advisor.ask(QUESTION, answerer=use_model(ScriptedChatModel(replies=[ValueError("bad")]),
                                                 llm_fallback="error"))


def test_a_silent_model_times_out_instead_of_hanging(advisor, use_model):
    slow = ScriptedChatModel(replies=["Never arrives [1]."], delay=5.0)
    answer = advisor.ask(QUESTION, answerer=use_model(slow, llm_timeout=0.3))
    assert answer.metadata["fallback"] == "extractive"
    assert str(answer.metadata["reason"]).startswith("timeout")
    with pytest.raises(AnswererUnavailableError):
        advisor.ask(QUESTION, answerer=use_model(slow, llm_timeout=0.3, llm_fallback="error"))


def test_a_model_that_stalls_after_citing_keeps_its_cited_start(advisor, use_model):
    stalling = ScriptedChatModel(replies=["Practise for years first [1]. And then more text that never ends"],
                                 hang_after=32, hang_seconds=5.0)
    text, answer = streamed(advisor, QUESTION, answerer=use_model(stalling, llm_timeout=0.5))
    assert answer.metadata["truncated"] is True and "fallback" not in answer.metadata
    assert answer.text.startswith("Practise for years first [1].") and text == answer.text
    check_citations(advisor, answer)


def test_follow_up_uses_the_model_condenser_or_the_heuristic(advisor, use_model):
    history = [Turn(role="user", content="What does a medical director do in a health insurance company?"),
               Turn(role="assistant", content="They oversee medical policies [1].")]
    model = ScriptedChatModel(replies=["Standalone question: What does a medical director do in government "
                                       "agencies?", "They shape public health programs [1]."])
    answer = advisor.ask("and in government agencies?", history=history, answerer=use_model(model))
    assert answer.standalone_question == "What does a medical director do in government agencies?"
    assert "Last user message: and in government agencies?" in model.calls[0][0].content
    # An answer that drops what the user asked about is not accepted as the standalone question.
    off = ScriptedChatModel(replies=["What is the capital of France?", "They shape programs [1]."])
    answer = advisor.ask("and in government agencies?", history=history, answerer=use_model(off))
    assert "government" in answer.standalone_question and "France" not in answer.standalone_question


def test_unreachable_server_real_clients(advisor, use_model, fresh_settings, embedder):
    from advisor.answering.llm.local_server import free_port

    closed = f"http://127.0.0.1:{free_port()}/v1"
    for provider in ("openai", "ollama"):
        settings = advisor.settings.model_copy(update={"llm_base_url": closed, "llm_timeout": 5.0})
        answerer = make_answerer(provider, settings, embedder)
        health = answerer.health()
        assert health["reachable"] is False and health["ready"] is True and health["provider"] == provider
        from advisor.answering.base import AnswerRequest

        retrieved = advisor.retrieve(QUESTION)
        composed = answerer.compose(AnswerRequest(QUESTION, QUESTION, retrieved))
        assert composed.metadata["fallback"] == "extractive" and composed.citations


def test_llamacpp_without_a_model_path_reports_and_falls_back(advisor, embedder):
    settings = advisor.settings.model_copy(update={"llm_model_path": None})
    answerer = make_answerer("llamacpp", settings, embedder)
    health = answerer.health()
    assert health["reachable"] is False and "llm_model_path" in str(health["error"])
    answer = advisor.ask(QUESTION, answerer="llamacpp")  # the session settings have no model path either
    assert answer.metadata["fallback"] == "extractive" and answer.citations


def test_unknown_answerer_lists_the_llm_ones(advisor, embedder):
    with pytest.raises(UnknownAnswererError) as info:
        make_answerer("gpt-pirate", advisor.settings, embedder)
    for name in ("extractive", "llamacpp", "ollama", "openai"):
        assert name in str(info.value)
