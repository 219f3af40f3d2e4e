"""The chat UI's handlers without a browser, for the edge cases a browser test cannot set up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from advisor.answer_stream import StreamEvent
from advisor.answering.base import AnswererUnavailableError
from advisor.conversations import ConversationService, ConversationStore
from advisor.models import Answer
from advisor.service import Advisor
from advisor.settings import Settings
from advisor.web.chat_ui import ERROR_TEXT, UI_OWNER, ChatHandlers, ChatSession


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


class ExtractiveLikeAdvisor:
    """An advisor that answers at once, without citations."""

    def ask_stream(self, question: str, history: Any = None) -> Iterator[StreamEvent]:
        yield StreamEvent(delta="Medical directors lead.")
        yield StreamEvent(answer=Answer(question=question, standalone_question=question,
                                        text="Medical directors lead."))


@dataclass
class LikeData:
    """What Gradio hands the like handler (only the fields it reads)."""

    index: int
    liked: bool


class CountingAdvisor:
    def __init__(self) -> None:
        self.calls = 0

    def ask_stream(self, question: str, history: Any = None) -> Iterator[StreamEvent]:
        self.calls += 1
        yield from ()


class BrokenStore(ConversationStore):
    """A conversations database that fails every write."""

    def start_conversation(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    def add_feedback(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")


@pytest.fixture
def store(fresh_settings: Settings) -> Iterator[ConversationStore]:
    conversations = ConversationStore.from_settings(fresh_settings)
    yield conversations
    conversations.close()


def handlers_over(advisor: Any, store: ConversationStore, settings: Settings) -> ChatHandlers:
    """Chat handlers whose chats go through a conversation service over `advisor` and `store`."""
    return ChatHandlers(advisor, ConversationService(advisor, store, settings))


def test_a_failing_answer_shows_a_plain_apology_and_stores_nothing(fresh_settings: Settings,
                                                                   store: ConversationStore) -> None:
    handlers = handlers_over(BrokenAdvisor(), store, fresh_settings)
    *_, (messages, session, _) = handlers.ask("What does a medical director do?", [], ChatSession())
    assert ERROR_TEXT in messages[-1]["content"] and "index went away" not in messages[-1]["content"]
    assert 'class="answer-failed"' in messages[-1]["content"]  # the page shows no feedback buttons under it
    assert session.message_ids == [None, None] and session.turns == []
    assert store.list_conversations(UI_OWNER) == []


def test_an_unavailable_language_model_mid_stream_is_named_to_the_user(fresh_settings: Settings,
                                                                       store: ConversationStore) -> None:
    handlers = handlers_over(UnavailableLLMAdvisor(), store, fresh_settings)
    *_, (messages, session, _) = handlers.ask("What does a medical director do?", [], ChatSession())
    shown = messages[-1]["content"]
    assert "language model is unavailable" in shown and "Experience" not in shown
    assert session.turns == [] and store.list_conversations(UI_OWNER) == []


def test_too_long_and_empty_questions_never_reach_the_advisor(fresh_settings: Settings,
                                                               store: ConversationStore) -> None:
    advisor = CountingAdvisor()
    handlers = handlers_over(advisor, store, fresh_settings)
    long_question = "x" * (fresh_settings.max_message_chars + 1)
    assert list(handlers.ask(long_question, [], None))[-1][2] == long_question  # kept in the box to shorten
    assert list(handlers.ask("   ", [], None))[-1][0] == []
    assert advisor.calls == 0


def test_the_answer_shows_a_writing_cue_until_it_is_complete(fresh_settings: Settings,
                                                             store: ConversationStore) -> None:
    handlers = handlers_over(ExtractiveLikeAdvisor(), store, fresh_settings)
    shown = [messages[-1]["content"] for messages, _, _ in
             handlers.ask("What does a medical director do?", [], ChatSession())]
    assert len(shown) >= 3  # the cue alone, then the text as it arrives, then the answer
    assert all('class="answer-pending"' in s and "Writing the answer" in s for s in shown[:-1])
    assert "Medical directors lead." in shown[-2]
    assert "answer-pending" not in shown[-1] and "Writing the answer" not in shown[-1]


def test_follow_ups_carry_the_history_and_land_in_one_stored_conversation(
        advisor: Advisor, fresh_settings: Settings, store: ConversationStore) -> None:
    handlers = handlers_over(advisor, store, fresh_settings)
    session = ChatSession()
    messages: list[dict[str, Any]] = []
    for question in ("How do I become a medical director?", "Which certifications help with that?"):
        *_, (messages, session, _) = handlers.ask(question, messages, session)
    assert len(messages) == 4 and len(session.turns) == 4
    stored = store.list_messages(session.conversation_id or "")
    assert [m.id for m in stored] == session.message_ids
    assert [m.act for m in stored] == [None, "career", None, "career"]  # the answers' dialogue acts are kept
    assert stored[1].coverage == "full"
    handlers.feedback(LikeData(index=3, liked=True), session)
    assert [f.rating for f in store.list_feedback(session.conversation_id or "")] == ["up"]
    assert store.get_conversation(session.conversation_id or "", owner=UI_OWNER) is not None


def test_a_failing_store_is_logged_and_never_breaks_the_chat(fresh_settings: Settings,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    broken = BrokenStore(fresh_settings.resolved_database_url())
    handlers = handlers_over(ExtractiveLikeAdvisor(), broken, fresh_settings)
    *_, (messages, session, _) = handlers.ask("What does a medical director do?", [], ChatSession())
    assert "Medical directors lead." in messages[-1]["content"] and ERROR_TEXT not in messages[-1]["content"]
    assert session.message_ids == [None, None] and session.conversation_id is None
    assert len(session.turns) == 2  # the next question is still a follow-up of this one
    handlers.feedback(LikeData(index=1, liked=True), session)  # nothing stored to rate: ignored
    stored_elsewhere = ChatSession(conversation_id="c", message_ids=["m"])
    handlers.feedback(LikeData(index=0, liked=False), stored_elsewhere)  # the store fails: logged only
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "could not store a chat UI exchange", "could not store chat UI feedback"]
    broken.close()
