"""`ConversationService`: what the HTTP API and the chat UI both do to hold a conversation with the advisor.

Check a message, load a conversation's history, answer (whole or streamed), store the exchange (starting the
conversation on its first one), read or delete a conversation, and rate an answer. Errors are domain errors
(`MessageTooLongError`, `ConversationNotFoundError`, `MessageNotFoundError`); each adapter decides how to
show them (the API as 422/404 responses, the UI as a warning or a log line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.answer_stream import AnswerStream
from advisor.conversations.store import (
    ConversationNotFoundError,
    ConversationRecord,
    ConversationStore,
    FeedbackRecord,
    MessageRecord,
    Rating,
)
from advisor.models import Answer, Turn

if TYPE_CHECKING:
    from advisor.service import Advisor
    from advisor.settings import Settings

TITLE_CHARS = 80  # a new conversation is titled with the start of its first question


class MessageTooLongError(ValueError):
    """A user message is longer than `max_message_chars`."""

    def __init__(self, length: int, limit: int, field: str = "message") -> None:
        super().__init__(f"`{field}` is {length} characters long; the limit is {limit}.")
        self.length = length
        self.limit = limit
        self.field = field


@dataclass(frozen=True)
class Exchange:
    """A question and its answer as stored, and the `Answer` itself (with what the store does not keep)."""

    conversation_id: str
    question: MessageRecord
    reply: MessageRecord
    answer: Answer


class ConversationService:
    """Conversations with the advisor, stored in `store` under an owner (an API key's fingerprint, the UI)."""

    def __init__(self, advisor: Advisor, store: ConversationStore, settings: Settings) -> None:
        self.advisor = advisor
        self.store = store
        self.settings = settings

    def check_message(self, text: str, field: str = "message") -> None:
        """Raises MessageTooLongError when `text` is longer than `max_message_chars`; `field` names it."""
        limit = self.settings.max_message_chars
        if len(text) > limit:
            raise MessageTooLongError(len(text), limit, field)

    def history(self, conversation_id: str | None, owner: str) -> list[Turn]:
        """The stored turns of the owner's conversation; none for a new one (`conversation_id` None).

        Raises ConversationNotFoundError when it does not exist or is someone else's.
        """
        if conversation_id is None:
            return []
        return self.store.history(conversation_id, owner=owner)

    def ask(self, message: str, conversation_id: str | None, owner: str) -> Exchange:
        """Answer `message` within the owner's conversation (a new one when None) and store the exchange.

        Raises MessageTooLongError, or ConversationNotFoundError (also if it is deleted meanwhile).
        """
        self.check_message(message)
        history = self.history(conversation_id, owner)
        answer = self.advisor.ask(message, history=history)
        return self.record(owner, conversation_id, message, answer)

    def ask_stream(self, message: str, history: list[Turn]) -> AnswerStream:
        """The answer to `message` after `history`, streamed; store it with `record` once it is complete.

        Raises MessageTooLongError at once; errors of answering are raised while the stream is read.
        """
        self.check_message(message)
        return AnswerStream(self.advisor.ask_stream(message, history=history))

    def record(self, owner: str, conversation_id: str | None, question: str, answer: Answer) -> Exchange:
        """Store the question and its answer: in a new conversation (titled with the question's first
        characters) when `conversation_id` is None, else at the end of that one.

        Raises ConversationNotFoundError when it is not the owner's (or was deleted).
        """
        if conversation_id is None:
            conversation, user, reply = self.store.start_conversation(owner, question, answer,
                                                                      title=question[:TITLE_CHARS])
            return Exchange(conversation.id, user, reply, answer)
        user, reply = self.store.record_exchange(conversation_id, question, answer, owner=owner)
        return Exchange(conversation_id, user, reply, answer)

    def conversation(self, conversation_id: str,
                     owner: str) -> tuple[ConversationRecord, list[MessageRecord]]:
        """The owner's conversation and its messages in order. Raises ConversationNotFoundError."""
        record = self.store.get_conversation(conversation_id, owner=owner)
        if record is None:
            raise ConversationNotFoundError(conversation_id)
        return record, self.store.list_messages(conversation_id, owner=owner)

    def delete(self, conversation_id: str, owner: str) -> None:
        """Delete the owner's conversation, its messages and feedback. Raises ConversationNotFoundError."""
        if not self.store.delete_conversation(conversation_id, owner=owner):
            raise ConversationNotFoundError(conversation_id)

    def feedback(self, conversation_id: str, message_id: str, rating: Rating, owner: str,
                 comment: str | None = None) -> FeedbackRecord:
        """Rate an answer of the owner's conversation (a new rating replaces the previous one).

        Raises ConversationNotFoundError, or MessageNotFoundError when `message_id` is not one of its answers.
        """
        return self.store.add_feedback(conversation_id, message_id, rating, comment, owner=owner)
