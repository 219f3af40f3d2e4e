"""A database created by the previous version (no `coverage`/`act` columns) opened by this one, on SQLite
and on a real PostgreSQL: the columns are added in place, old rows read as None, new answers keep theirs,
and a worker of the previous version can still write during a rolling upgrade."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text, update

from advisor.conversations.schema import add_missing_columns, messages
from advisor.conversations.store import ConversationStore, normalize_database_url
from advisor.models import Answer, Citation
from tests.conftest import PROJECT_ROOT
from tests.conversations.previous_schema import (
    CITATION,
    create_previous_database,
    insert_as_previous_version,
)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[object]:
    """A throwaway PostgreSQL cluster for this module (skipped where PostgreSQL is not installed)."""
    from tests.integration.services import PostgresServer, ServiceUnavailable

    try:
        server = PostgresServer()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or a new database on the module's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'previous.sqlite3'}"
    server_url: str = request.getfixturevalue("postgres_server").url
    name = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _message_columns(url: str) -> set[str]:
    engine = create_engine(normalize_database_url(url))
    try:
        return {column["name"] for column in inspect(engine).get_columns("messages")}
    finally:
        engine.dispose()


def test_a_previous_database_is_upgraded_in_place_and_keeps_its_conversations(database_url: str):
    old = create_previous_database(database_url, owner="owner-a")
    assert not {"coverage", "act"} & _message_columns(database_url)

    store = ConversationStore(database_url)
    try:
        assert {"coverage", "act"} <= _message_columns(database_url)
        question, answer = store.list_messages(old.conversation_id, owner="owner-a")
        assert (question.id, answer.id) == (old.question_id, old.answer_id)
        assert answer.citations == [Citation(**CITATION)] and answer.refused is False
        assert [(m.coverage, m.act) for m in (question, answer)] == [(None, None), (None, None)]
        assert [f.rating for f in store.list_feedback(old.conversation_id)] == ["up"]

        new = Answer(question="q", standalone_question="q", text="Related points [1].",
                     citations=[Citation(**CITATION)], coverage="partial", act="career")
        _, reply = store.record_exchange(old.conversation_id, "And burnout?", new, owner="owner-a")
        assert (reply.coverage, reply.act) == ("partial", "career")
        stored = store.list_messages(old.conversation_id, owner="owner-a")
        assert [(m.role, m.coverage, m.act) for m in stored] == [
            ("user", None, None), ("assistant", None, None), ("user", None, None),
            ("assistant", "partial", "career")]
        store.add_feedback(old.conversation_id, old.answer_id, "down", owner="owner-a")

        # A worker still running the previous version writes without naming the new columns.
        older = insert_as_previous_version(database_url, old.conversation_id, seq=5, content="Refused.")
        last = store.list_messages(old.conversation_id, owner="owner-a")[-1]
        assert (last.id, last.coverage, last.act, last.refusal_reason) == (older, None, None, "clinical")
        assert add_missing_columns(store.engine) == []  # nothing left to add: opening again changes nothing
    finally:
        store.close()
    again = ConversationStore(database_url)
    assert len(again.list_messages(old.conversation_id)) == 5
    again.close()


def test_several_processes_upgrade_one_previous_database_at_once(database_url: str):
    old = create_previous_database(database_url)
    script = ("import sys; from advisor.conversations.store import ConversationStore; "
              "ConversationStore(sys.argv[1]).close(); print('ok')")
    processes = [subprocess.Popen([sys.executable, "-c", script, database_url], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT) for _ in range(4)]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, [err for _, err in results]
    assert {"coverage", "act"} <= _message_columns(database_url)
    store = ConversationStore(database_url)
    assert [m.act for m in store.list_messages(old.conversation_id)] == [None, None]
    store.close()



def test_labels_of_a_newer_version_read_as_none(tmp_path: Path):
    store = ConversationStore(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    answer = Answer(question="q", standalone_question="q", text="Bye!", coverage="full", act="career")
    conversation, _, reply = store.start_conversation("owner-a", "q", answer)
    with store.engine.begin() as conn:  # as a later version with more dialogue acts might write
        conn.execute(update(messages).where(messages.c.id == reply.id)
                     .values(act="farewell", coverage="most"))
    stored = store.list_messages(conversation.id)[-1]
    assert (stored.id, stored.act, stored.coverage) == (reply.id, None, None)
    store.close()
