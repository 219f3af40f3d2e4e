"""Conversations and feedback: the routes, persistence across a restart, and the store itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from advisor.api.app import create_app
from advisor.api.security import ANONYMOUS
from advisor.conversations import ConversationNotFoundError, ConversationStore, MessageNotFoundError
from advisor.models import Answer, Citation
from advisor.service import Advisor
from advisor.settings import Settings
from tests.api.conftest import QUESTION, api_settings
from tests.conversations.previous_schema import create_previous_database


def test_conversation_read_and_delete(client: TestClient):
    chat = client.post("/v1/chat", json={"message": QUESTION}).json()
    path = f"/v1/conversations/{chat['conversation_id']}"
    conversation = client.get(path).json()
    assert conversation["id"] == chat["conversation_id"]
    user, assistant = conversation["messages"]
    assert user["content"] == QUESTION and user["citations"] == []
    assert assistant["content"] == chat["answer"] and assistant["citations"] == chat["citations"]
    assert (user["coverage"], user["act"]) == (None, None)
    assert (assistant["coverage"], assistant["act"]) == (chat["coverage"], chat["act"]) == ("full", "career")
    deleted = client.delete(path)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(path).status_code == 404
    assert client.delete(path).status_code == 404
    assert client.get("/v1/conversations/" + "x" * 65).status_code == 422


def test_feedback_on_answers_only(client: TestClient):
    chat = client.post("/v1/chat", json={"message": QUESTION}).json()
    cid, mid = chat["conversation_id"], chat["message_id"]
    first = client.post("/v1/feedback", json={"conversation_id": cid, "message_id": mid, "rating": "up"})
    assert first.status_code == 201 and first.json()["rating"] == "up"
    again = client.post("/v1/feedback", json={"conversation_id": cid, "message_id": mid, "rating": "down",
                                              "comment": "Too generic"})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]  # replaced, not added
    store: ConversationStore = client.app.state.api.conversations  # type: ignore[attr-defined]
    [stored] = store.list_feedback(cid)
    assert (stored.rating, stored.comment) == ("down", "Too generic")

    user_message = client.get(f"/v1/conversations/{cid}").json()["messages"][0]["id"]
    for body, code in [
        ({"conversation_id": cid, "message_id": user_message, "rating": "up"}, "message_not_found"),
        ({"conversation_id": cid, "message_id": "no-such-id", "rating": "up"}, "message_not_found"),
        ({"conversation_id": "no-such-id", "message_id": mid, "rating": "up"}, "conversation_not_found"),
    ]:
        response = client.post("/v1/feedback", json=body)
        assert response.status_code == 404 and response.json()["error"]["code"] == code
    for bad in ({"conversation_id": cid, "message_id": mid, "rating": "meh"},
                {"conversation_id": cid, "message_id": mid, "rating": 1},
                {"conversation_id": cid, "message_id": mid, "rating": "up", "comment": "x" * 2001}):
        assert client.post("/v1/feedback", json=bad).status_code == 422


def test_conversations_survive_a_restart(settings: Settings, advisor: Advisor, tmp_path: Path):
    app_settings = api_settings(settings, tmp_path)
    with TestClient(create_app(app_settings, advisor)) as first:
        chat = first.post("/v1/chat", json={"message": QUESTION}).json()
        first.post("/v1/feedback", json={"conversation_id": chat["conversation_id"],
                                         "message_id": chat["message_id"], "rating": "up"})
        before = first.get(f"/v1/conversations/{chat['conversation_id']}").json()
        first.app.state.api.conversations.close()  # type: ignore[attr-defined]

    restarted = create_app(app_settings, advisor)
    with TestClient(restarted) as second:
        after = second.get(f"/v1/conversations/{chat['conversation_id']}").json()
        assert after == before
        follow_up = second.post("/v1/chat", json={"message": "What skills does that need?",
                                                  "conversation_id": chat["conversation_id"]})
        assert follow_up.status_code == 200
        assert len(second.get(f"/v1/conversations/{chat['conversation_id']}").json()["messages"]) == 4
        store = restarted.state.api.conversations
        assert [f.rating for f in store.list_feedback(chat["conversation_id"])] == ["up"]
        store.close()


def test_conversations_stored_by_the_previous_version_are_served_and_continued(
        settings: Settings, advisor: Advisor, tmp_path: Path):
    app_settings = api_settings(settings, tmp_path)
    assert app_settings.database_url is not None
    old = create_previous_database(app_settings.database_url, owner=ANONYMOUS)
    app = create_app(app_settings, advisor)
    with TestClient(app) as client:
        path = f"/v1/conversations/{old.conversation_id}"
        before = client.get(path)
        assert before.status_code == 200
        question, answer = before.json()["messages"]
        assert answer["id"] == old.answer_id
        assert answer["citations"][0]["snippet"] == "oversee clinical operations"
        assert [(m["coverage"], m["act"]) for m in (question, answer)] == [(None, None), (None, None)]
        follow_up = client.post("/v1/chat", json={"message": QUESTION,
                                                  "conversation_id": old.conversation_id})
        assert follow_up.status_code == 200 and follow_up.json()["act"] == "career"
        after = client.get(path).json()["messages"]
        assert len(after) == 4 and after[-1]["act"] == "career" and after[-1]["coverage"] is not None
        feedback = {"conversation_id": old.conversation_id, "message_id": old.answer_id, "rating": "down"}
        assert client.post("/v1/feedback", json=feedback).status_code == 201
    app.state.api.conversations.close()


def test_default_database_is_sqlite_in_the_data_dir(settings: Settings, advisor: Advisor, tmp_path: Path):
    app_settings = api_settings(settings, tmp_path, database_url=None, data_dir=tmp_path / "data")
    app = create_app(app_settings, advisor)
    with TestClient(app) as client:
        assert client.post("/v1/chat", json={"message": QUESTION}).status_code == 200
    app.state.api.conversations.close()
    assert (tmp_path / "data" / "advisor.sqlite3").is_file()


CITATION = Citation(n=1, doc_id="doc", title="Title", section="Section", snippet="A quote.", start=0, end=8,
                    chunk_id="doc-1")


@pytest.fixture
def store(tmp_path: Path):
    store = ConversationStore(f"sqlite:///{tmp_path / 'nested' / 'store.sqlite3'}")
    yield store
    store.close()


def test_store_keeps_order_citations_and_owners(store: ConversationStore):
    conversation = store.create_conversation("owner-a", title="t" * 500)
    assert len(conversation.title or "") == 200
    answer = Answer(question="q1", standalone_question="q1", text="a1 [1]", citations=[CITATION],
                    coverage="partial", act="career")
    user, assistant = store.record_exchange(conversation.id, "q1", answer, owner="owner-a")
    store.append_message(conversation.id, "user", "q2")
    messages = store.list_messages(conversation.id, owner="owner-a")
    assert [m.content for m in messages] == ["q1", "a1 [1]", "q2"]
    assert messages[1].citations == [CITATION] and messages[1].id == assistant.id
    assert [(m.coverage, m.act) for m in messages] == [(None, None), ("partial", "career"), (None, None)]
    assert [t.role for t in store.history(conversation.id)] == ["user", "assistant", "user"]
    assert messages[0].created_at.tzinfo is not None

    assert store.get_conversation(conversation.id, owner="owner-b") is None
    with pytest.raises(ConversationNotFoundError):
        store.append_message(conversation.id, "user", "intrusion", owner="owner-b")
    with pytest.raises(MessageNotFoundError):
        store.add_feedback(conversation.id, user.id, "up", owner="owner-a")
    assert [c.id for c in store.list_conversations("owner-a")] == [conversation.id]
    assert store.list_conversations("owner-b") == []
    assert store.delete_conversation(conversation.id, owner="owner-a")
    assert store.get_conversation(conversation.id) is None


def test_a_new_conversation_starts_with_its_first_exchange_in_one_write(store: ConversationStore):
    answer = Answer(question="q1", standalone_question="q1", text="a1 [1]", citations=[CITATION])
    conversation, user, assistant = store.start_conversation("owner-a", "q1", answer, title="First")
    assert conversation.title == "First" and store.get_conversation(conversation.id, owner="owner-b") is None
    assert [(m.id, m.role, m.content) for m in store.list_messages(conversation.id, owner="owner-a")] == [
        (user.id, "user", "q1"), (assistant.id, "assistant", "a1 [1]")]
    assert store.list_messages(conversation.id)[1].citations == [CITATION]
    _, later = store.record_exchange(conversation.id, "q2", answer, owner="owner-a")  # numbering goes on
    assert [m.id for m in store.list_messages(conversation.id)][-1] == later.id


def test_store_schema_setup_is_idempotent(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    first = ConversationStore(url)
    conversation = first.create_conversation("o")
    first.close()
    second = ConversationStore(url)
    assert second.get_conversation(conversation.id) is not None
    second.close()
