"""End to end with a real model: the `openai` answerer against llama-cpp-python's OpenAI-compatible server
on loopback, and the in-process `llamacpp` answerer, on the SmolLM2-135M GGUF file.

The tiny model's answers are poor; what is checked is the wiring and the guarantees: every citation
quotes a retrieved chunk verbatim, streaming delivers the answer, failures fall back or raise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.answering.base import AnswererUnavailableError
from advisor.models import Turn
from advisor.service import Advisor
from tests.answering.llm.conftest import real_llm_settings
from tests.answering.llm.test_answerer import QUESTION, check_citations, streamed

pytestmark = pytest.mark.slow  # llama.cpp running the real GGUF model


def test_openai_answerer_answers_with_verbatim_citations(llm_advisor: Advisor):
    answer = llm_advisor.ask(QUESTION)
    assert not answer.refused and answer.answerer == "openai"
    check_citations(llm_advisor, answer)
    assert answer.metadata["llm"] == {"provider": "openai", "model": "gpt-4o-mini"}
    assert "compose" in answer.timings_ms


def test_openai_answerer_streams_tokens_end_to_end(llm_advisor: Advisor):
    deltas: list[str] = []
    answer = None
    for event in llm_advisor.ask_stream("What does a medical director do?"):
        if event.delta:
            deltas.append(event.delta)
        answer = event.answer or answer
    assert answer is not None and not answer.refused
    check_citations(llm_advisor, answer)
    assert len(deltas) > 1  # pieces, not one block
    if not answer.metadata["stream_replaced"]:
        assert "".join(deltas) == answer.text


def test_follow_up_is_condensed_by_the_real_model(llm_advisor: Advisor):
    history = [Turn(role="user", content="What qualifications does a medical director need?"),
               Turn(role="assistant", content="Board certification and years of clinical experience [1].")]
    answer = llm_advisor.ask("and which degrees help?", history=history)
    assert answer.standalone_question.strip() and "degree" in answer.standalone_question.lower()
    assert not answer.refused
    check_citations(llm_advisor, answer)


def test_health_reports_the_reachable_server(llm_advisor: Advisor):
    state = llm_advisor.health()["answerer"]
    assert isinstance(state, dict)
    assert state["reachable"] is True and state["ready"] is True and state["provider"] == "openai"


def test_server_too_slow_for_the_timeout_falls_back_or_raises(llm_advisor: Advisor, embedder):
    impatient = llm_advisor.settings.model_copy(update={"llm_timeout": 0.01})
    answer = Advisor(impatient, embedder=embedder).ask(QUESTION)
    assert answer.metadata["fallback"] == "extractive"
    assert str(answer.metadata["reason"]).startswith("timeout")
    check_citations(llm_advisor, answer)
    strict = impatient.model_copy(update={"llm_fallback": "error"})
    with pytest.raises(AnswererUnavailableError):
        Advisor(strict, embedder=embedder).ask(QUESTION)


def test_llamacpp_answerer_runs_the_gguf_in_process(advisor: Advisor, embedder, gguf_path: Path):
    settings = real_llm_settings(advisor.settings, answerer="llamacpp", llm_model_path=gguf_path)
    service = Advisor(settings, embedder=embedder)
    text, answer = streamed(service, QUESTION)
    assert not answer.refused and answer.answerer == "llamacpp"
    check_citations(service, answer)
    assert answer.metadata["llm"] == {"provider": "llamacpp", "model": gguf_path.name}
    if not answer.metadata["stream_replaced"]:
        assert text == answer.text
    assert service.health()["answerer"]["loaded"] is True  # type: ignore[index]
