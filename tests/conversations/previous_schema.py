"""The conversation tables as the previous version (before answers' `coverage` and `act`) created them, and
one conversation written the way that version wrote it: for tests that open such a database with this one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    insert,
)

from advisor.conversations.store import normalize_database_url

previous = MetaData()

conversations = Table(
    "conversations", previous,
    Column("id", String(36), primary_key=True),
    Column("owner", String(64), nullable=False, index=True),
    Column("title", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

messages = Table(
    "messages", previous,
    Column("id", String(36), primary_key=True),
    Column("conversation_id", String(36), ForeignKey("conversations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("refused", Boolean, nullable=False, default=False),
    Column("refusal_reason", String(32), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
)

feedback = Table(
    "feedback", previous,
    Column("id", String(36), primary_key=True),
    Column("conversation_id", String(36), ForeignKey("conversations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("message_id", String(36), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("rating", String(8), nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("message_id", name="uq_feedback_message"),
)

CITATION = {"n": 1, "doc_id": "career-as-medical-director", "title": "A Career as a Medical Director",
            "section": "Duties", "snippet": "oversee clinical operations", "start": 10, "end": 37,
            "chunk_id": "abc123", "page": None}


@dataclass(frozen=True)
class PreviousConversation:
    conversation_id: str
    question_id: str
    answer_id: str


def create_previous_database(url: str, owner: str = "anonymous") -> PreviousConversation:
    """Create the previous version's tables at `url` holding one conversation (a question, its cited
    answer, a thumbs-up on it), written with that version's columns only."""
    now = datetime.now(UTC)
    ids = PreviousConversation("c0000000-0000-4000-8000-000000000001", "m0000000-0000-4000-8000-000000000001",
                               "m0000000-0000-4000-8000-000000000002")
    engine = create_engine(normalize_database_url(url))
    previous.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(conversations).values(id=ids.conversation_id, owner=owner, title="Old",
                                                  created_at=now, updated_at=now))
        conn.execute(insert(messages), [
            {"id": ids.question_id, "conversation_id": ids.conversation_id, "seq": 1, "role": "user",
             "content": "What does a medical director do?", "citations": [], "refused": False,
             "refusal_reason": None, "created_at": now},
            {"id": ids.answer_id, "conversation_id": ids.conversation_id, "seq": 2, "role": "assistant",
             "content": "They oversee clinical operations [1].", "citations": [CITATION], "refused": False,
             "refusal_reason": None, "created_at": now},
        ])
        conn.execute(insert(feedback).values(id="f0000000-0000-4000-8000-000000000001",
                                             conversation_id=ids.conversation_id, message_id=ids.answer_id,
                                             rating="up", comment=None, created_at=now))
    engine.dispose()
    return ids


def insert_as_previous_version(url: str, conversation_id: str, seq: int, content: str) -> str:
    """Append an assistant message the way the previous version does (naming only its own columns), as a
    worker not yet upgraded would during a rolling upgrade; returns its id."""
    message_id = f"m0000000-0000-4000-8000-{seq:012d}"
    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        conn.execute(insert(messages).values(id=message_id, conversation_id=conversation_id, seq=seq,
                                             role="assistant", content=content, citations=[], refused=True,
                                             refusal_reason="clinical", created_at=datetime.now(UTC)))
    engine.dispose()
    return message_id
