"""Two API server processes sharing one Chroma server and one conversation database (SQLite or PostgreSQL):
a conversation started through one is read, continued and rated through the other; other keys see nothing.

Two single-worker servers on two ports prove deterministically what `advisor serve --workers N` relies on,
since a client cannot choose which worker of one server answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor.service import Advisor
from tests.integration.services import AdvisorServer, ChromaServer
from tests.integration.test_conversation_db import _fresh_postgres_db

pytestmark = pytest.mark.slow  # servers in subprocesses, a Chroma server and PostgreSQL

KEY_A, KEY_B = "integration-key-a", "integration-key-b"
QUESTION = "How many years of clinical experience do I need before becoming a medical director?"
FOLLOW_UP = "And do I need an MBA for it?"


def shared_env(server_advisor: Advisor, chroma_server: ChromaServer, data_dir: Path, database_url: str
               ) -> dict[str, str]:
    return {"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_CHROMA_URL": chroma_server.url,
            "ADVISOR_COLLECTION_NAME": server_advisor.settings.collection_name,
            "ADVISOR_DATABASE_URL": database_url, "ADVISOR_API_KEYS": json.dumps([KEY_A, KEY_B]),
            "ADVISOR_WEB_UI": "false", "ADVISOR_RATE_LIMIT_PER_MINUTE": "1000"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two_servers(request, server_advisor: Advisor, chroma_server: ChromaServer,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AdvisorServer, AdvisorServer]]:
    """Two servers on two ports; the corpus is already in the Chroma server (the server_advisor fixture)."""
    data_dir = tmp_path_factory.mktemp(f"shared-{request.param}")
    database_url = (f"sqlite:///{data_dir / 'advisor.sqlite3'}" if request.param == "sqlite"
                    else _fresh_postgres_db(request.getfixturevalue("postgres_server")))
    env = shared_env(server_advisor, chroma_server, data_dir, database_url)
    servers: list[AdvisorServer] = []
    try:
        servers = [AdvisorServer(env, data_dir / f"server-{n}.log").launch() for n in range(2)]
        for server in servers:
            server.wait_ready()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def call(server: AdvisorServer, method: str, path: str, key: str, **kwargs) -> httpx.Response:
    """A request on a fresh connection (no keep-alive reuse), as separate browser tabs would make."""
    with httpx.Client(base_url=server.url, timeout=120, headers={"Authorization": f"Bearer {key}"}) as client:
        return client.request(method, path, **kwargs)


def test_conversation_continues_across_servers(two_servers):
    first, second = two_servers
    started = call(first, "POST", "/v1/chat", KEY_A, json={"message": QUESTION})
    assert started.status_code == 200, started.text
    body = started.json()
    assert not body["refused"] and body["citations"]

    stored = call(second, "GET", f"/v1/conversations/{body['conversation_id']}", KEY_A)
    assert stored.status_code == 200, stored.text
    messages = stored.json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == QUESTION
    assert messages[1]["id"] == body["message_id"] and messages[1]["citations"] == body["citations"]

    followed = call(second, "POST", "/v1/chat", KEY_A,
                    json={"message": FOLLOW_UP, "conversation_id": body["conversation_id"]})
    assert followed.status_code == 200, followed.text
    assert followed.json()["conversation_id"] == body["conversation_id"]
    rated = call(second, "POST", "/v1/feedback", KEY_A, json={
        "conversation_id": body["conversation_id"], "message_id": body["message_id"], "rating": "up"})
    assert rated.status_code == 201, rated.text

    again = call(first, "GET", f"/v1/conversations/{body['conversation_id']}", KEY_A)
    assert [m["content"] for m in again.json()["messages"]][::2] == [QUESTION, FOLLOW_UP]


def test_other_key_cannot_touch_the_conversation_on_any_server(two_servers):
    first, second = two_servers
    started = call(first, "POST", "/v1/chat", KEY_A, json={"message": QUESTION}).json()
    path = f"/v1/conversations/{started['conversation_id']}"
    for server in (first, second):
        assert call(server, "GET", path, KEY_B).status_code == 404
        continued = call(server, "POST", "/v1/chat", KEY_B,
                         json={"message": FOLLOW_UP, "conversation_id": started["conversation_id"]})
        assert continued.status_code == 404
        assert call(server, "POST", "/v1/feedback", KEY_B, json={
            "conversation_id": started["conversation_id"], "message_id": started["message_id"],
            "rating": "down"}).status_code == 404
        assert call(server, "DELETE", path, KEY_B).status_code == 404
    assert call(second, "DELETE", path, KEY_A).status_code == 204
    assert call(first, "GET", path, KEY_A).status_code == 404


def test_both_servers_list_the_same_sources(two_servers):
    first, second = two_servers
    listed = [call(server, "GET", "/v1/sources", KEY_A) for server in two_servers]
    assert all(r.status_code == 200 for r in listed)
    assert listed[0].json() == listed[1].json() and first.port != second.port
