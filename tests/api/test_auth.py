"""API keys, conversation ownership and widget tokens."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from advisor.api.security import WidgetTokenSigner, key_fingerprint, match_api_key, normalize_origin
from tests.api.conftest import KEY_A, KEY_B, PORTAL, QUESTION, ClientFactory

BEARER_A = {"Authorization": f"Bearer {KEY_A}"}
BEARER_B = {"Authorization": f"Bearer {KEY_B}"}

PROTECTED = [
    ("POST", "/v1/chat", {"message": QUESTION}),
    ("POST", "/v1/chat/stream", {"message": QUESTION}),
    ("GET", "/v1/conversations/00000000-0000-4000-8000-000000000000", None),
    ("DELETE", "/v1/conversations/00000000-0000-4000-8000-000000000000", None),
    ("POST", "/v1/feedback", {"conversation_id": "c", "message_id": "m", "rating": "up"}),
    ("GET", "/v1/sources", None),
    ("GET", "/v1/sources/anything", None),
    ("POST", "/v1/widget-tokens", {"origin": PORTAL}),
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", {"model": "advisor",
                                      "messages": [{"role": "user", "content": QUESTION}]}),
]


@pytest.fixture
def keyed(make_client: ClientFactory) -> TestClient:
    return make_client(api_keys=[KEY_A, KEY_B], cors_origins=[PORTAL])


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_every_v1_route_needs_a_valid_key(keyed: TestClient, method: str, path: str, body: dict | None):
    missing = keyed.request(method, path, json=body)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    wrong = keyed.request(method, path, json=body, headers={"Authorization": "Bearer not-a-key"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    wrong_header = keyed.request(method, path, json=body, headers={"X-API-Key": KEY_A + "x"})
    assert wrong_header.status_code == 401


def test_probes_stay_open_when_keys_are_set(keyed: TestClient):
    assert keyed.get("/healthz").status_code == 200
    assert keyed.get("/readyz").status_code == 200
    assert keyed.get("/metrics").status_code == 200


def test_both_header_forms_are_accepted(keyed: TestClient):
    assert keyed.get("/v1/sources", headers=BEARER_A).status_code == 200
    assert keyed.get("/v1/sources", headers={"X-API-Key": KEY_B}).status_code == 200
    assert keyed.get("/v1/sources", headers={"Authorization": f"bearer {KEY_A}"}).status_code == 200


def test_another_key_cannot_see_touch_or_continue_a_conversation(keyed: TestClient):
    chat = keyed.post("/v1/chat", json={"message": QUESTION}, headers=BEARER_A).json()
    cid, mid = chat["conversation_id"], chat["message_id"]
    path = f"/v1/conversations/{cid}"
    feedback = {"conversation_id": cid, "message_id": mid, "rating": "down"}

    assert keyed.get(path, headers=BEARER_B).status_code == 404
    assert keyed.delete(path, headers=BEARER_B).status_code == 404
    assert keyed.post("/v1/feedback", json=feedback, headers=BEARER_B).status_code == 404
    continued = keyed.post("/v1/chat", json={"message": QUESTION, "conversation_id": cid}, headers=BEARER_B)
    assert continued.status_code == 404
    streamed = keyed.post("/v1/chat/stream", json={"message": QUESTION, "conversation_id": cid},
                          headers=BEARER_B)
    assert streamed.status_code == 404
    # ...and nothing of B's attempts reached A's conversation.
    owned = keyed.get(path, headers=BEARER_A)
    assert owned.status_code == 200 and len(owned.json()["messages"]) == 2
    assert keyed.post("/v1/feedback", json=feedback, headers=BEARER_A).status_code == 201
    assert keyed.delete(path, headers=BEARER_A).status_code == 204
    assert keyed.get(path, headers=BEARER_A).status_code == 404


def test_keys_are_compared_exactly():
    assert match_api_key(KEY_A, [KEY_A, KEY_B]) == KEY_A
    assert match_api_key(KEY_A[:-1], [KEY_A, KEY_B]) is None
    assert match_api_key("ключ", [KEY_A]) is None
    assert key_fingerprint(KEY_A) != key_fingerprint(KEY_B) and KEY_A not in key_fingerprint(KEY_A)


# ---- widget tokens --------------------------------------------------------------------------
def issue(client: TestClient, origin: str = PORTAL, headers: dict[str, str] = BEARER_A) -> str:
    response = client.post("/v1/widget-tokens", json={"origin": origin}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"].startswith("wt_") and body["expires_in"] > 0 and body["origin"] == origin
    return body["token"]


def widget(token: str, origin: str | None = PORTAL) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **({"Origin": origin} if origin else {})}


def test_widget_token_chats_from_its_origin_only(keyed: TestClient):
    token = issue(keyed)
    ok = keyed.post("/v1/chat", json={"message": QUESTION}, headers=widget(token))
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == PORTAL
    with keyed.stream("POST", "/v1/chat/stream", json={"message": QUESTION}, headers=widget(token)) as stream:
        assert stream.status_code == 200 and "event: done" in stream.read().decode()
    feedback = {"conversation_id": ok.json()["conversation_id"], "message_id": ok.json()["message_id"],
                "rating": "up"}
    assert keyed.post("/v1/feedback", json=feedback, headers=widget(token)).status_code == 201

    for headers in (widget(token, "https://evil.example.com"), widget(token, None),
                    widget(token, "https://portal.example.org:8443")):
        rejected = keyed.post("/v1/chat", json={"message": QUESTION}, headers=headers)
        assert rejected.status_code == 401 and rejected.json()["error"]["code"] == "widget_origin_mismatch"


def test_widget_conversations_belong_to_the_issuing_key(keyed: TestClient):
    chat = keyed.post("/v1/chat", json={"message": QUESTION}, headers=widget(issue(keyed))).json()
    assert keyed.get(f"/v1/conversations/{chat['conversation_id']}", headers=BEARER_A).status_code == 200
    assert keyed.get(f"/v1/conversations/{chat['conversation_id']}", headers=BEARER_B).status_code == 404


def test_widget_token_is_refused_outside_the_chat_routes(keyed: TestClient):
    token = issue(keyed)
    for method, path, body in PROTECTED:
        if path in ("/v1/chat", "/v1/chat/stream", "/v1/feedback"):
            continue
        response = keyed.request(method, path, json=body, headers=widget(token))
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "widget_token_not_allowed"


def test_expired_forged_and_orphaned_widget_tokens_are_401(keyed: TestClient, make_client: ClientFactory):
    signer: WidgetTokenSigner = keyed.app.state.api.widget_tokens  # type: ignore[attr-defined]
    expired, _ = signer.issue(key_fingerprint(KEY_A), PORTAL, now=time.time() - 3600)
    response = keyed.post("/v1/chat", json={"message": QUESTION}, headers=widget(expired))
    assert response.status_code == 401 and response.json()["error"]["code"] == "widget_token_expired"

    token = issue(keyed)
    payload, _, signature = token.partition(".")
    forgeries = (payload + "." + signature[:-2] + "AA", payload[:-4] + "AAAA." + signature, "wt_", "wt_x.y")
    for forged in forgeries:
        response = keyed.post("/v1/chat", json={"message": QUESTION}, headers=widget(forged))
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_widget_token"

    # Same secret, but key A has since been removed: its tokens die with it.
    rotated = make_client(api_keys=[KEY_B], widget_token_secret="shared-secret")
    old = make_client(api_keys=[KEY_A], widget_token_secret="shared-secret")
    token = issue(old, origin="http://testserver")
    assert rotated.post("/v1/chat", json={"message": QUESTION},
                        headers=widget(token, "http://testserver")).status_code == 401


def test_tokens_are_only_issued_for_allowed_origins(keyed: TestClient):
    refused = keyed.post("/v1/widget-tokens", json={"origin": "https://evil.example.com"}, headers=BEARER_A)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    invalid = keyed.post("/v1/widget-tokens", json={"origin": "javascript:alert(1)"}, headers=BEARER_A)
    assert invalid.status_code == 403 and invalid.json()["error"]["code"] == "origin_not_allowed"
    # The server's own origin is always allowed: the /embed page calls the API from there.
    own = issue(keyed, origin="http://testserver")
    assert keyed.post("/v1/chat", json={"message": QUESTION},
                      headers=widget(own, "http://testserver")).status_code == 200
    # A widget token cannot mint more tokens.
    assert keyed.post("/v1/widget-tokens", json={"origin": PORTAL},
                      headers=widget(issue(keyed))).status_code == 401


def test_configured_secret_makes_tokens_survive_a_restart(make_client: ClientFactory):
    first = make_client(api_keys=[KEY_A], cors_origins=[PORTAL], widget_token_secret="s3cret-for-tests")
    token = issue(first)
    second = make_client(api_keys=[KEY_A], cors_origins=[PORTAL], widget_token_secret="s3cret-for-tests")
    assert second.post("/v1/chat", json={"message": QUESTION}, headers=widget(token)).status_code == 200
    third = make_client(api_keys=[KEY_A], cors_origins=[PORTAL])  # random per-process secret
    assert third.post("/v1/chat", json={"message": QUESTION}, headers=widget(token)).status_code == 401


def test_without_keys_everyone_is_the_anonymous_owner_and_widget_tokens_still_work(client: TestClient):
    chat = client.post("/v1/chat", json={"message": QUESTION}, headers={"Authorization": "Bearer anything"})
    assert chat.status_code == 200
    assert client.get(f"/v1/conversations/{chat.json()['conversation_id']}").status_code == 200
    token = issue(client, origin="http://testserver", headers={})
    assert client.post("/v1/chat", json={"message": QUESTION},
                       headers=widget(token, "https://elsewhere.example")).status_code == 401


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://Portal.Example.org", "https://portal.example.org"),
    ("https://portal.example.org:443/", "https://portal.example.org"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("https://portal.example.org/path", None),
    ("ftp://portal.example.org", None),
    ("null", None),
    ("https://user@portal.example.org", None),
    ("https://portal.example.org:99999", None),
])
def test_origins_are_normalized(raw: str, expected: str | None):
    assert normalize_origin(raw) == expected
