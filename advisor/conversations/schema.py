"""The database tables of conversations, messages and feedback (SQLAlchemy Core, portable types only).

The same schema works on SQLite and PostgreSQL: ids are uuid4 strings, citations a JSON column,
timestamps timezone-aware UTC. `create_schema` is idempotent, so every process may call it at start; it also
adds the nullable columns introduced since a database was created (`ADDED_COLUMNS`), so databases of earlier
versions keep working, and earlier versions keep working on upgraded ones.
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
    inspect,
    text,
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
    Column("coverage", String(16), nullable=True),  # an answer's Coverage (one of ADDED_COLUMNS)
    Column("act", String(16), nullable=True),  # an answer's DialogueAct (one of ADDED_COLUMNS)
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


ADDED_COLUMNS: dict[str, tuple[str, ...]] = {"messages": ("coverage", "act")}
"""Columns added to a table after its first release; each is nullable, so rows written before read as NULL
and a process of an earlier version, which does not name them, can still insert rows."""


def create_schema(engine: Engine, attempts: int = 3) -> None:
    """Create any missing table and add any missing `ADDED_COLUMNS`. Safe to call from several processes at
    once: a lost race is retried."""
    for attempt in range(attempts):
        try:
            metadata.create_all(engine, checkfirst=True)
            add_missing_columns(engine)
            return
        except SQLAlchemyError:
            # Another worker created the same table (or column) between our check and our CREATE (or ALTER).
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def add_missing_columns(engine: Engine) -> list[str]:
    """`ALTER TABLE … ADD COLUMN` for each of `ADDED_COLUMNS` an existing table lacks (a database created by
    an earlier version); returns the columns added as "table.column"."""
    inspector = inspect(engine)
    quote = engine.dialect.identifier_preparer.quote
    added: list[str] = []
    for table_name, names in ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table_name)}
        for name in names:
            if name in present:
                continue
            column = metadata.tables[table_name].c[name]
            assert column.nullable, f"{table_name}.{name}: a column added later must be nullable"
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {quote(table_name)} ADD COLUMN {quote(name)} {kind}"))
            added.append(f"{table_name}.{name}")
    return added
