"""`ConversationService` over a real SQLite store: checks, history, asking, recording, reading, feedback.

The advisor is a small fake fed replies in order; tests/api and tests/web exercise the service with the real
advisor through the API and the chat UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.answer_stream import StreamEvent
from advisor.conversations import (
    ConversationNotFoundError,
    ConversationService,
    ConversationStore,
    MessageNotFoundError,
    MessageTooLongError,
)
from advisor.conversations.service import TITLE_CHARS
from advisor.models import Answer, Citation, Turn
from advisor.settings import Settings

CITATION = Citation(n=1, doc_id="doc", title="Title", section="Section", snippet="A quote.", start=0, end=8,
                    chunk_id="doc-1")


class ScriptedAdvisor:
    """Answers with "answer <n> [1]", streamed in two pieces, and remembers the history it was given."""

    def __init__(self) -> None:
        self.histories: list[list[Turn]] = []

    def ask_stream(self, question: str, history: list[Turn] | None = None) -> Iterator[StreamEvent]:
        self.histories.append(list(history or []))
        text = f"answer {len(self.histories)} [1]"
        yield StreamEvent(delta="answer ")
        yield StreamEvent(delta=text.removeprefix("answer "))
        yield StreamEvent(answer=Answer(question=question, standalone_question=question, text=text,
                                        citations=[CITATION], coverage="full", act="career"))

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        *_, last = self.ask_stream(question, history)
        assert last.answer is not None
        return last.answer


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    conversations = ConversationStore(f"sqlite:///{tmp_path / 'conversations.sqlite3'}")
    yield conversations
    conversations.close()


@pytest.fixture
def advisor() -> ScriptedAdvisor:
    return ScriptedAdvisor()


@pytest.fixture
def service(advisor: ScriptedAdvisor, store: ConversationStore, tmp_path: Path) -> ConversationService:
    settings = Settings(data_dir=tmp_path, max_message_chars=50, _env_file=None)  # type: ignore[call-arg]
    return ConversationService(advisor, store, settings)  # type: ignore[arg-type]


def test_too_long_messages_are_refused_before_the_advisor_is_asked(service: ConversationService,
                                                                    advisor: ScriptedAdvisor):
    service.check_message("x" * 50)
    with pytest.raises(MessageTooLongError) as too_long:
        service.check_message("x" * 51, "messages[2].content")
    assert (too_long.value.length, too_long.value.limit) == (51, 50)
    assert str(too_long.value) == "`messages[2].content` is 51 characters long; the limit is 50."
    with pytest.raises(MessageTooLongError):
        service.ask("x" * 51, None, "owner-a")
    with pytest.raises(MessageTooLongError):
        service.ask_stream("x" * 51, [])
    assert advisor.histories == []


def test_ask_starts_a_conversation_then_continues_it_with_its_history(service: ConversationService,
                                                                      store: ConversationStore,
                                                                      advisor: ScriptedAdvisor):
    question = "How do I become a medical director?"
    first = service.ask(question, None, "owner-a")
    assert first.reply.content == first.answer.text == "answer 1 [1]"
    assert first.reply.citations == [CITATION] and first.question.content == question
    assert (first.reply.coverage, first.reply.act) == ("full", "career")
    assert (first.question.coverage, first.question.act) == (None, None)
    conversation = store.get_conversation(first.conversation_id, owner="owner-a")
    assert conversation is not None and conversation.title == question[:TITLE_CHARS]

    second = service.ask("And then?", first.conversation_id, "owner-a")
    assert second.conversation_id == first.conversation_id
    assert advisor.histories[1] == [Turn(role="user", content=question),
                                    Turn(role="assistant", content="answer 1 [1]")]
    record, messages = service.conversation(first.conversation_id, "owner-a")
    assert record.id == first.conversation_id
    assert [m.id for m in messages] == [first.question.id, first.reply.id,
                                        second.question.id, second.reply.id]


def test_a_new_conversation_is_titled_with_the_first_characters_of_its_question(tmp_path: Path,
                                                                                store: ConversationStore):
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    service = ConversationService(ScriptedAdvisor(), store, settings)  # type: ignore[arg-type]
    question = "word " * 40
    exchange = service.ask(question, None, "owner-a")
    record, _ = service.conversation(exchange.conversation_id, "owner-a")
    assert record.title == question[:TITLE_CHARS] and len(question) > TITLE_CHARS


def test_a_streamed_answer_is_stored_once_it_is_complete(service: ConversationService,
                                                          store: ConversationStore):
    history = service.history(None, "owner-a")
    assert history == []
    stream = service.ask_stream("What does a medical director do?", history)
    assert list(stream) == ["answer ", "1 [1]"]
    exchange = service.record("owner-a", None, "What does a medical director do?", stream.answer)
    assert [(m.coverage, m.act) for m in service.conversation(exchange.conversation_id, "owner-a")[1]] == [
        (None, None), ("full", "career")]
    assert [t.content for t in service.history(exchange.conversation_id, "owner-a")] == [
        "What does a medical director do?", "answer 1 [1]"]
    assert store.list_conversations("owner-a")[0].id == exchange.conversation_id


def test_someone_elses_or_an_unknown_conversation_is_not_found(service: ConversationService):
    exchange = service.ask("What does a medical director do?", None, "owner-a")
    cid = exchange.conversation_id
    for call in (lambda: service.history(cid, "owner-b"),
                 lambda: service.ask("And then?", cid, "owner-b"),
                 lambda: service.record("owner-b", cid, "And then?", exchange.answer),
                 lambda: service.conversation(cid, "owner-b"),
                 lambda: service.delete(cid, "owner-b"),
                 lambda: service.feedback(cid, exchange.reply.id, "up", "owner-b"),
                 lambda: service.history("no-such-id", "owner-a")):
        with pytest.raises(ConversationNotFoundError):
            call()
    assert len(service.history(cid, "owner-a")) == 2  # untouched by the others


def test_feedback_rates_answers_only_and_a_new_rating_replaces_the_old(service: ConversationService,
                                                                       store: ConversationStore):
    exchange = service.ask("What does a medical director do?", None, "owner-a")
    cid = exchange.conversation_id
    first = service.feedback(cid, exchange.reply.id, "up", "owner-a")
    again = service.feedback(cid, exchange.reply.id, "down", "owner-a", comment="Too generic")
    assert again.id == first.id
    assert [(f.rating, f.comment) for f in store.list_feedback(cid)] == [("down", "Too generic")]
    with pytest.raises(MessageNotFoundError):
        service.feedback(cid, exchange.question.id, "up", "owner-a")


def test_delete_removes_the_conversation(service: ConversationService):
    exchange = service.ask("What does a medical director do?", None, "owner-a")
    service.delete(exchange.conversation_id, "owner-a")
    with pytest.raises(ConversationNotFoundError):
        service.conversation(exchange.conversation_id, "owner-a")
    with pytest.raises(ConversationNotFoundError):
        service.delete(exchange.conversation_id, "owner-a")
