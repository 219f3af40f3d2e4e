"""The conversation store on SQLite and on a real PostgreSQL: idempotent schema set-up, ownership, and
several stores (one per worker process) sharing one database."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from advisor.conversations.store import ConversationNotFoundError, ConversationStore, MessageNotFoundError
from advisor.models import Answer, Citation
from tests.integration.conftest import PROJECT_ROOT
from tests.integration.services import PostgresServer

pytestmark = pytest.mark.slow  # PostgreSQL (and processes sharing one database)

CITATION = Citation(n=1, doc_id="career-as-medical-director", title="A Career as a Medical Director",
                    section="Duties", snippet="oversee clinical operations", start=10, end=37,
                    chunk_id="abc123", page=None)


def _fresh_postgres_db(server: PostgresServer) -> str:
    """A new empty database on the session's PostgreSQL, so every test starts without tables."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'advisor.sqlite3'}"
    return _fresh_postgres_db(request.getfixturevalue("postgres_server"))


@pytest.fixture
def two_stores(database_url: str) -> Iterator[tuple[ConversationStore, ConversationStore]]:
    """Two stores with engines of their own, as two worker processes have."""
    first, second = ConversationStore(database_url), ConversationStore(database_url)
    yield first, second
    first.close()
    second.close()


def test_schema_setup_is_idempotent_and_safe_from_several_processes(database_url: str):
    script = ("import sys; from advisor.conversations.store import ConversationStore; "
              "ConversationStore(sys.argv[1]).close(); print('ok')")
    processes = [subprocess.Popen([sys.executable, "-c", script, database_url], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT) for _ in range(4)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and out.strip() == "ok", err
    store = ConversationStore(database_url)  # once more, on existing tables
    try:
        assert store.create_conversation("owner-a").id
    finally:
        store.close()


def test_conversation_written_by_one_worker_is_read_by_another(two_stores):
    first, second = two_stores
    conversation = first.create_conversation("owner-a", title="Career change")
    question = "What does a medical director do?"
    answer = Answer(question=question, standalone_question=question, citations=[CITATION],
                    text="They oversee clinical operations [1].")
    _, assistant = first.record_exchange(conversation.id, answer.question, answer, owner="owner-a")

    messages = second.list_messages(conversation.id, owner="owner-a")
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].citations == [CITATION] and messages[1].id == assistant.id
    assert messages[0].created_at.tzinfo is not None
    assert [t.content for t in second.history(conversation.id)] == [answer.question, answer.text]
    rating = second.add_feedback(conversation.id, assistant.id, "up", "clear", owner="owner-a")
    assert first.list_feedback(conversation.id, owner="owner-a") == [rating]
    assert [c.id for c in second.list_conversations("owner-a")] == [conversation.id]


def test_other_owner_sees_nothing_on_any_worker(two_stores):
    first, second = two_stores
    conversation = first.create_conversation("owner-a")
    first.append_message(conversation.id, "user", "hello", owner="owner-a")
    assert second.get_conversation(conversation.id, owner="owner-b") is None
    with pytest.raises(ConversationNotFoundError):
        second.list_messages(conversation.id, owner="owner-b")
    with pytest.raises(ConversationNotFoundError):
        second.append_message(conversation.id, "user", "intrusion", owner="owner-b")
    assert not second.delete_conversation(conversation.id, owner="owner-b")
    assert second.list_conversations("owner-b") == []
    with pytest.raises(MessageNotFoundError):
        second.add_feedback(conversation.id, "no-such-message", "down", owner="owner-a")
    assert second.delete_conversation(conversation.id, owner="owner-a")
    assert first.get_conversation(conversation.id) is None


def test_concurrent_appends_from_two_workers_keep_every_message_in_order(two_stores):
    first, second = two_stores
    conversation = first.create_conversation("owner-a")
    errors: list[BaseException] = []

    def append(store: ConversationStore, name: str) -> None:
        try:
            for n in range(15):
                store.append_message(conversation.id, "user", f"{name}-{n}", owner="owner-a")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(store, name))
               for store, name in ((first, "a"), (second, "b"), (first, "c"), (second, "d"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, f"{len(errors)} appends failed, first: {errors[0]!r}"
    contents = [m.content for m in first.list_messages(conversation.id)]
    assert len(contents) == 60 and len(set(contents)) == 60
    for name in "abcd":  # each writer's messages keep their order
        mine = [int(c.split("-")[1]) for c in contents if c.startswith(f"{name}-")]
        assert mine == sorted(mine)


def test_conversations_started_at_the_same_moment_are_written_in_one_transaction(two_stores):
    first, second = two_stores
    batches: list[int] = []
    release = threading.Event()
    write = first._write_new_conversations._work

    def held_first_batch(new):  # the first write waits, so the others queue behind it as under load
        batches.append(len(new))
        if len(batches) == 1:
            assert release.wait(30)
        return write(new)

    first._write_new_conversations._work = held_first_batch
    started: dict[int, tuple] = {}

    def start(n: int) -> None:
        answer = Answer(question=f"question {n}", standalone_question=f"question {n}", citations=[CITATION],
                        text=f"answer {n} [1]")
        started[n] = first.start_conversation(f"owner-{n % 3}", answer.question, answer, title=f"title {n}")

    threads = [threading.Thread(target=start, args=(n,)) for n in range(12)]
    threads[0].start()
    deadline = time.monotonic() + 30
    while not batches:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    for thread in threads[1:]:
        thread.start()
    while len(first._write_new_conversations._queue) < 11:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert batches == [1, 11]
    for n, (conversation, user, assistant) in started.items():  # each whole, as another worker reads it
        messages = second.list_messages(conversation.id, owner=f"owner-{n % 3}")
        assert [(m.id, m.content) for m in messages] == [(user.id, f"question {n}"),
                                                        (assistant.id, f"answer {n} [1]")]
        assert messages[1].citations == [CITATION]
        assert second.get_conversation(conversation.id).title == f"title {n}"


def test_a_failed_first_write_leaves_no_half_conversation(two_stores, database_url: str):
    first, second = two_stores
    engine = create_engine(database_url)
    with engine.begin() as conn:  # the database loses the messages table: the second insert fails
        conn.execute(text("DROP TABLE feedback"))
        conn.execute(text("DROP TABLE messages"))
    engine.dispose()
    answer = Answer(question="q", standalone_question="q", citations=[CITATION], text="a [1]")
    with pytest.raises(DBAPIError, match="messages"):
        first.start_conversation("owner-a", "q", answer)
    assert second.list_conversations("owner-a") == []  # the conversation's insert was rolled back too
