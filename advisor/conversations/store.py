"""`ConversationStore`: conversations, their messages (with citations) and feedback, in one SQL database.

Used by the HTTP API and the web UI alike. Every conversation has an `owner`, an opaque string naming
who created it (the API uses a fingerprint of the API key); reads that name a different owner see nothing.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field
from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from advisor.coalesce import Coalescer
from advisor.conversations.schema import conversations, create_schema, feedback, messages
from advisor.models import Answer, Citation, Coverage, DialogueAct, RefusalReason, Role, Turn

Rating = Literal["up", "down"]
_APPEND_ATTEMPTS = 8  # concurrent appends to one conversation from several worker processes


class ConversationRecord(BaseModel):
    """A stored conversation (without its messages)."""

    id: str
    owner: str
    title: str | None = None
    created_at: datetime
    updated_at: datetime


class MessageRecord(BaseModel):
    """A stored message; assistant messages carry the citations, coverage and dialogue act of their answer
    (coverage and act are None for user messages and for answers stored before they were recorded)."""

    id: str
    conversation_id: str
    role: Role
    content: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    coverage: Coverage | None = None
    act: DialogueAct | None = None
    created_at: datetime


class FeedbackRecord(BaseModel):
    """A thumbs-up or thumbs-down on one assistant message (the latest one given counts)."""

    id: str
    conversation_id: str
    message_id: str
    rating: Rating
    comment: str | None = None
    created_at: datetime


class NewMessage(BaseModel):
    """A message to append: `append_messages` gives it an id, a position and a timestamp."""

    role: Role
    content: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    coverage: Coverage | None = None
    act: DialogueAct | None = None


class ConversationNotFoundError(LookupError):
    """The conversation does not exist, or belongs to another owner."""


class MessageNotFoundError(LookupError):
    """The message does not exist in that conversation."""


def normalize_database_url(url: str) -> str:
    """Use the installed psycopg 3 driver for plain `postgresql://` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL and a busy timeout so several workers can share them."""
    url = normalize_database_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: no fsync per commit, still never corrupt
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_NewConversation = tuple[ConversationRecord, list[dict[str, Any]]]  # the record and its message rows


class ConversationStore:
    """Persists conversations, messages and feedback; thread-safe, one instance per process."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(url)
        create_schema(self.engine)
        # One writer at a time in this process: two threads writing at once would make SQLite's busy
        # handler sleep (1, 2, 5, 10... ms) instead of queueing them.
        self._write_lock = threading.Lock()
        self._write_new_conversations = Coalescer(self._insert_new_conversations)

    @classmethod
    def from_settings(cls, settings: Any) -> ConversationStore:
        """The store at `settings.resolved_database_url()` (SQLite in the data directory by default)."""
        return cls(settings.resolved_database_url())

    def close(self) -> None:
        self.engine.dispose()

    # ---- conversations -------------------------------------------------------------------
    def create_conversation(self, owner: str, title: str | None = None) -> ConversationRecord:
        """Start an empty conversation owned by `owner`; returns it with its new uuid4 id."""
        now = _now()
        record = ConversationRecord(id=str(uuid.uuid4()), owner=owner, title=title[:200] if title else None,
                                    created_at=now, updated_at=now)
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(insert(conversations).values(**record.model_dump()))
        return record

    def start_conversation(
        self, owner: str, question: str, answer: Answer, title: str | None = None
    ) -> tuple[ConversationRecord, MessageRecord, MessageRecord]:
        """A new conversation holding its first question and answer, written in one transaction;
        returns (conversation, user message, assistant message)."""
        now = _now()
        record = ConversationRecord(id=str(uuid.uuid4()), owner=owner, title=title[:200] if title else None,
                                    created_at=now, updated_at=now)
        rows = _message_rows(record.id, _exchange(question, answer), after_seq=0, now=now)
        self._write_new_conversations((record, rows))
        user, assistant = (_message(row) for row in rows)
        return record, user, assistant

    def _insert_new_conversations(self, new: list[_NewConversation]) -> list[None]:
        """Conversations started by concurrent requests, inserted in one transaction (a group commit: one
        commit and two statements for all of them). Fresh uuid4 ids cannot collide, so a failure here is the
        database's (disk, lock timeout) and fails each of them alike."""
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(insert(conversations), [record.model_dump() for record, _ in new])
            conn.execute(insert(messages), [row for _, rows in new for row in rows])
        return [None] * len(new)

    def get_conversation(self, conversation_id: str, owner: str | None = None) -> ConversationRecord | None:
        """The conversation, or None when it does not exist or `owner` is given and differs."""
        with self.engine.connect() as conn:
            row = self._conversation_row(conn, conversation_id, owner)
        return _conversation(row) if row else None

    def list_conversations(self, owner: str, limit: int = 50) -> list[ConversationRecord]:
        """The owner's conversations, most recently active first."""
        query = (select(conversations).where(conversations.c.owner == owner)
                 .order_by(conversations.c.updated_at.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [_conversation(row) for row in conn.execute(query).mappings()]

    def delete_conversation(self, conversation_id: str, owner: str | None = None) -> bool:
        """Delete the conversation with its messages and feedback; False when there was none to delete."""
        with self.engine.begin() as conn:
            if self._conversation_row(conn, conversation_id, owner) is None:
                return False
            conn.execute(delete(feedback).where(feedback.c.conversation_id == conversation_id))
            conn.execute(delete(messages).where(messages.c.conversation_id == conversation_id))
            conn.execute(delete(conversations).where(conversations.c.id == conversation_id))
        return True

    # ---- messages ------------------------------------------------------------------------
    def append_messages(self, conversation_id: str, new: Sequence[NewMessage],
                        owner: str | None = None) -> list[MessageRecord]:
        """Append messages in order, in one transaction. Raises ConversationNotFoundError."""
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                return self._append_once(conversation_id, new, owner)
            except IntegrityError:
                # Another worker process took the same next `seq` at the same moment: read it again.
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))
        raise AssertionError("unreachable")

    def _append_once(self, conversation_id: str, new: Sequence[NewMessage],
                     owner: str | None) -> list[MessageRecord]:
        now = _now()
        with self._write_lock, self.engine.begin() as conn:
            if self._conversation_row(conn, conversation_id, owner) is None:
                raise ConversationNotFoundError(conversation_id)
            last = conn.execute(select(func.max(messages.c.seq))
                                .where(messages.c.conversation_id == conversation_id)).scalar()
            rows = _message_rows(conversation_id, new, after_seq=last or 0, now=now)
            if rows:
                conn.execute(insert(messages), rows)
                conn.execute(update(conversations).where(conversations.c.id == conversation_id)
                             .values(updated_at=now))
        return [_message(row) for row in rows]

    def append_message(self, conversation_id: str, role: Role, content: str,
                       citations: Sequence[Citation] = (), refused: bool = False,
                       refusal_reason: RefusalReason | None = None, coverage: Coverage | None = None,
                       act: DialogueAct | None = None, owner: str | None = None) -> MessageRecord:
        """Append one message. Raises ConversationNotFoundError."""
        message = NewMessage(role=role, content=content, citations=list(citations), refused=refused,
                             refusal_reason=refusal_reason, coverage=coverage, act=act)
        return self.append_messages(conversation_id, [message], owner)[0]

    def record_exchange(self, conversation_id: str, question: str, answer: Answer,
                        owner: str | None = None) -> tuple[MessageRecord, MessageRecord]:
        """Store a question and the advisor's answer (with its citations); returns (user, assistant)."""
        user, assistant = self.append_messages(conversation_id, _exchange(question, answer), owner)
        return user, assistant

    def list_messages(self, conversation_id: str, owner: str | None = None) -> list[MessageRecord]:
        """The conversation's messages in order. Raises ConversationNotFoundError."""
        with self.engine.connect() as conn:
            if self._conversation_row(conn, conversation_id, owner) is None:
                raise ConversationNotFoundError(conversation_id)
            rows = conn.execute(select(messages).where(messages.c.conversation_id == conversation_id)
                                .order_by(messages.c.seq)).mappings()
            return [_message(row) for row in rows]

    def history(self, conversation_id: str, owner: str | None = None) -> list[Turn]:
        """The conversation as `Turn`s, the history `Advisor.ask` takes. Raises ConversationNotFoundError."""
        return [Turn(role=m.role, content=m.content) for m in self.list_messages(conversation_id, owner)]

    # ---- feedback ------------------------------------------------------------------------
    def add_feedback(self, conversation_id: str, message_id: str, rating: Rating, comment: str | None = None,
                     owner: str | None = None) -> FeedbackRecord:
        """Record (or replace) the rating of an assistant message.

        Raises ConversationNotFoundError, or MessageNotFoundError (also when it is not an assistant message).
        """
        for attempt in range(_APPEND_ATTEMPTS):
            try:
                return self._add_feedback_once(conversation_id, message_id, rating, comment, owner)
            except IntegrityError:
                # Another worker rated the same message at the same moment: now it is an update.
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))
        raise AssertionError("unreachable")

    def _add_feedback_once(self, conversation_id: str, message_id: str, rating: Rating, comment: str | None,
                           owner: str | None) -> FeedbackRecord:
        now = _now()
        with self._write_lock, self.engine.begin() as conn:
            if self._conversation_row(conn, conversation_id, owner) is None:
                raise ConversationNotFoundError(conversation_id)
            role = conn.execute(select(messages.c.role).where(
                messages.c.id == message_id, messages.c.conversation_id == conversation_id)).scalar()
            if role != "assistant":
                raise MessageNotFoundError(message_id)
            existing = conn.execute(select(feedback.c.id).where(feedback.c.message_id == message_id)).scalar()
            record = FeedbackRecord(id=existing or str(uuid.uuid4()), conversation_id=conversation_id,
                                    message_id=message_id, rating=rating, comment=comment, created_at=now)
            if existing:
                conn.execute(update(feedback).where(feedback.c.id == existing)
                             .values(rating=rating, comment=comment, created_at=now))
            else:
                conn.execute(insert(feedback).values(**record.model_dump()))
        return record

    def list_feedback(self, conversation_id: str, owner: str | None = None) -> list[FeedbackRecord]:
        """The feedback given in a conversation. Raises ConversationNotFoundError."""
        with self.engine.connect() as conn:
            if self._conversation_row(conn, conversation_id, owner) is None:
                raise ConversationNotFoundError(conversation_id)
            rows = conn.execute(select(feedback).where(feedback.c.conversation_id == conversation_id)
                                .order_by(feedback.c.created_at)).mappings()
            return [FeedbackRecord.model_validate({**row, "created_at": _utc(row["created_at"])})
                    for row in rows]

    # ---- helpers -------------------------------------------------------------------------
    @staticmethod
    def _conversation_row(conn: Connection, conversation_id: str, owner: str | None) -> RowMapping | None:
        query = select(conversations).where(conversations.c.id == conversation_id)
        if owner is not None:
            query = query.where(conversations.c.owner == owner)
        return conn.execute(query).mappings().first()


def _exchange(question: str, answer: Answer) -> list[NewMessage]:
    return [NewMessage(role="user", content=question),
            NewMessage(role="assistant", content=answer.text, citations=answer.citations,
                       refused=answer.refused, refusal_reason=answer.refusal_reason, coverage=answer.coverage,
                       act=answer.act)]


def _message_rows(conversation_id: str, new: Sequence[NewMessage], after_seq: int,
                  now: datetime) -> list[dict[str, Any]]:
    """Table rows for `new`, numbered after position `after_seq`, each with a new uuid4 id."""
    return [{"id": str(uuid.uuid4()), "conversation_id": conversation_id, "seq": after_seq + offset,
             "role": message.role, "content": message.content,
             "citations": [c.model_dump(mode="json") for c in message.citations],
             "refused": message.refused, "refusal_reason": message.refusal_reason,
             "coverage": message.coverage, "act": message.act, "created_at": now}
            for offset, message in enumerate(new, start=1)]


def _conversation(row: Any) -> ConversationRecord:
    return ConversationRecord.model_validate({**row, "created_at": _utc(row["created_at"]),
                                              "updated_at": _utc(row["updated_at"])})


def _message(row: Any) -> MessageRecord:
    return MessageRecord(id=row["id"], conversation_id=row["conversation_id"], role=row["role"],
                         content=row["content"], citations=[Citation(**c) for c in row["citations"] or []],
                         refused=bool(row["refused"]), refusal_reason=row["refusal_reason"],
                         coverage=_known(row["coverage"], _COVERAGES), act=_known(row["act"], _ACTS),
                         created_at=_utc(row["created_at"]))


_COVERAGES: frozenset[str] = frozenset(get_args(Coverage))
_ACTS: frozenset[str] = frozenset(get_args(DialogueAct))


def _known(value: str | None, known: frozenset[str]) -> Any:
    """A stored label this version knows, else None: a database shared with a newer version may hold
    values added since, and reading a conversation must not fail on them."""
    return value if value in known else None
