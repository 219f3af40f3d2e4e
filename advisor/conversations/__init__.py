"""Conversation memory: conversations, messages with their citations, and feedback, in a SQL database."""

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
    "ConversationStore",
    "FeedbackRecord",
    "MessageNotFoundError",
    "MessageRecord",
    "NewMessage",
    "Rating",
]
