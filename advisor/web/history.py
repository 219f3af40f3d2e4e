"""Records the chat UI's exchanges in the store the HTTP API uses, so feedback lands in one place.

`ConversationRecorder` adapts the store handed to `mount_web`; with no store it records nothing and the UI
still works. A failing store is logged and never breaks a chat.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from advisor.models import Answer

if TYPE_CHECKING:
    from advisor.conversations import ConversationStore
    from advisor.web.chat_ui import ChatSession

log = logging.getLogger(__name__)

# The owner name of conversations started in the chat UI (API owners are "anonymous" or "key:<fingerprint>").
UI_OWNER = "web-ui"


class ConversationRecorder:
    """Stores each question/answer pair of the chat UI and the thumbs on answers."""

    def __init__(self, store: ConversationStore | None) -> None:
        self.store = store

    def record_exchange(self, session: ChatSession, answer: Answer) -> list[str | None]:
        """Store the question and its answer; returns their message ids (None where nothing was stored).

        Starts a conversation for the session on its first exchange.
        """
        if self.store is None:
            return [None, None]
        try:
            if session.conversation_id is None:
                conversation, user, reply = self.store.start_conversation(
                    UI_OWNER, answer.question, answer, title=answer.question[:80])
                session.conversation_id = conversation.id
            else:
                user, reply = self.store.record_exchange(session.conversation_id, answer.question, answer,
                                                         owner=UI_OWNER)
            return [user.id, reply.id]
        except Exception:  # losing a log line must not cost the user the answer
            log.exception("could not store a chat UI exchange")
            return [None, None]

    def record_feedback(self, conversation_id: str | None, message_id: str, liked: bool) -> bool:
        """Store a thumbs up (`liked`) or down on a stored answer; returns whether it was stored."""
        if self.store is None or conversation_id is None:
            return False
        try:
            self.store.add_feedback(conversation_id, message_id, "up" if liked else "down", owner=UI_OWNER)
            return True
        except Exception:
            log.exception("could not store chat UI feedback")
            return False
