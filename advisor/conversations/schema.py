"""The database tables of conversations, messages and feedback (SQLAlchemy Core, portable types only).

The same schema works on SQLite and PostgreSQL: ids are uuid4 strings, citations a JSON column,
timestamps timezone-aware UTC. `create_schema` is idempotent, so every process may call it at start.
"""

from __future__ import annotations

import time

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.exc import SQLAlchemyError

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(64), nullable=False, index=True),
    Column("title", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

messages = Table(
    "messages",
    metadata,
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
    "feedback",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("conversation_id", String(36), ForeignKey("conversations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("message_id", String(36), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
    Column("rating", String(8), nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("message_id", name="uq_feedback_message"),
)


def create_schema(engine: Engine, attempts: int = 3) -> None:
    """Create any missing table. Safe to call from several processes at once: a lost race is retried."""
    for attempt in range(attempts):
        try:
            metadata.create_all(engine, checkfirst=True)
            return
        except SQLAlchemyError:
            # Another worker created the same table between our check and our CREATE.
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
