"""Conversation memory: conversations, messages with their citations, and feedback, in a SQL database;
`ConversationService` is how the API and the chat UI hold a conversation with the advisor."""

from advisor.conversations.service import ConversationService, Exchange, MessageTooLongError
from advisor.conversations.store import (
    ConversationNotFoundError,
    ConversationRecord,
    ConversationStore,
    FeedbackRecord,
    MessageNotFoundError,
    MessageRecord,
    NewMessage,
    Rating,
)

__all__ = [
    "ConversationNotFoundError",
    "ConversationRecord",
    "ConversationService",
    "ConversationStore",
    "Exchange",
    "FeedbackRecord",
    "MessageNotFoundError",
    "MessageRecord",
    "MessageTooLongError",
    "NewMessage",
    "Rating",
]
