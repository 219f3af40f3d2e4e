"""The chat UI's handlers without a browser, for the edge cases a browser test cannot set up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from advisor.answering.base import AnswererUnavailableError
from advisor.conversations import ConversationStore
from advisor.service import Advisor, StreamEvent
from advisor.settings import Settings
from advisor.web.chat_ui import ERROR_TEXT, ChatHandlers, ChatSession
from advisor.web.history import UI_OWNER, ConversationRecorder


class BrokenAdvisor:
    """An advisor whose answering fails halfway through a stream."""

    def ask_stream(self, question: str, history: Any = None) -> Iterator[StreamEvent]:
        yield StreamEvent(delta="Partial ")
        raise RuntimeError("the index went away")


class UnavailableLLMAdvisor:
    """An advisor whose language model stops answering mid-stream (with `llm_fallback=error`)."""

    def ask_stream(self, question: str, history: Any = None) -> Iterator[StreamEvent]:
        yield StreamEvent(delta="Experience ")
        raise AnswererUnavailableError("the openai language model is unavailable")


class CountingAdvisor:
    def __init__(self) -> None:
        self.calls = 0

    def ask_stream(self, question: str, history: Any = None) -> Iterator[StreamEvent]:
        self.calls += 1
        yield from ()


@pytest.fixture
def store(fresh_settings: Settings) -> Iterator[ConversationStore]:
    conversations = ConversationStore.from_settings(fresh_settings)
    yield conversations
    conversations.close()


def test_a_failing_answer_shows_a_plain_apology_and_stores_nothing(fresh_settings: Settings,
                                                                   store: ConversationStore) -> None:
    handlers = ChatHandlers(BrokenAdvisor(), fresh_settings, ConversationRecorder(store))  # type: ignore[arg-type]
    *_, (messages, session, _) = handlers.ask("What does a medical director do?", [], ChatSession())
    assert ERROR_TEXT in messages[-1]["content"] and "index went away" not in messages[-1]["content"]
    assert session.message_ids == [None, None] and session.turns == []
    assert store.list_conversations(UI_OWNER) == []


def test_an_unavailable_language_model_mid_stream_is_named_to_the_user(fresh_settings: Settings,
                                                                       store: ConversationStore) -> None:
    handlers = ChatHandlers(UnavailableLLMAdvisor(), fresh_settings,  # type: ignore[arg-type]
                            ConversationRecorder(store))
    *_, (messages, session, _) = handlers.ask("What does a medical director do?", [], ChatSession())
    shown = messages[-1]["content"]
    assert "language model is unavailable" in shown and "Experience" not in shown
    assert session.turns == [] and store.list_conversations(UI_OWNER) == []


def test_too_long_and_empty_questions_never_reach_the_advisor(fresh_settings: Settings) -> None:
    advisor = CountingAdvisor()
    handlers = ChatHandlers(advisor, fresh_settings, ConversationRecorder(None))  # type: ignore[arg-type]
    long_question = "x" * (fresh_settings.max_message_chars + 1)
    assert list(handlers.ask(long_question, [], None))[-1][2] == long_question  # kept in the box to shorten
    assert list(handlers.ask("   ", [], None))[-1][0] == []
    assert advisor.calls == 0


def test_follow_ups_carry_the_history_and_land_in_one_stored_conversation(
        advisor: Advisor, fresh_settings: Settings, store: ConversationStore) -> None:
    handlers = ChatHandlers(advisor, fresh_settings, ConversationRecorder(store))
    session = ChatSession()
    messages: list[dict[str, Any]] = []
    for question in ("How do I become a medical director?", "Which certifications help with that?"):
        *_, (messages, session, _) = handlers.ask(question, messages, session)
    assert len(messages) == 4 and len(session.turns) == 4
    stored = store.list_messages(session.conversation_id or "")
    assert [m.id for m in stored] == session.message_ids
    assert handlers.recorder.record_feedback(session.conversation_id, stored[3].id, liked=True)
    assert [f.rating for f in store.list_feedback(session.conversation_id or "")] == ["up"]
