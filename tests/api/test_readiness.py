"""POST /v1/readiness, GET and DELETE /v1/readiness/{id}, and a profile on /v1/chat, /v1/chat/stream and
/v1/chat/completions: shapes, storage only on request, ownership, bad profiles, size limits."""

from __future__ import annotations

import json
from collections.abc import Callable

import openai
import pytest
from fastapi.testclient import TestClient

from advisor.readiness.store import ReadinessStore
from tests.api.conftest import KEY_A, KEY_B, PORTAL, ClientFactory, LiveServer

BEARER_A = {"Authorization": f"Bearer {KEY_A}"}
BEARER_B = {"Authorization": f"Bearer {KEY_B}"}
PROFILE = {"degree": "MD", "specialty": "hospital medicine", "years_in_practice": 8, "roles": [],
           "committees": [], "target_settings": ["insurer"]}
MISSING = "/v1/readiness/00000000-0000-4000-8000-000000000000"
EIGHT = "8 years in practice; the articles put the usual requirement at five to ten years"


@pytest.fixture
def keyed(make_client: ClientFactory) -> TestClient:
    return make_client(api_keys=[KEY_A, KEY_B], cors_origins=[PORTAL])


def stored_count(client: TestClient) -> int:
    store: ReadinessStore | None = getattr(client.app.state, "readiness_reports", None)  # type: ignore[attr-defined]
    if store is None:
        return 0
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM readiness_reports").scalar() or 0)


def test_report_shape_and_nothing_stored_by_default(client: TestClient):
    response = client.post("/v1/readiness", json={"profile": PROFILE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] is None and body["created_at"] is None and stored_count(client) == 0
    assert body["gaps"] == ["committees", "quality_improvement", "leadership_role"]
    experience = next(r for r in body["requirements"] if r["id"] == "clinical_experience")
    assert experience["status"] == "met"
    assert experience["note"].startswith(f"{EIGHT} [")
    assert set(experience["citation"]) == {"n", "doc_id", "title", "section", "snippet"}
    assert {s["phase"] for s in body["plan"]} == {"days 1-30", "days 31-60", "days 61-90"}
    assert body["plan"][0]["id"] == "setting_insurer"
    for step in body["plan"]:
        text = client.get(f"/v1/sources/{step['citation']['doc_id']}").json()["text"]
        assert step["citation"]["snippet"] in text
    assert body["unsupported"] == [] and body["conflicts"] == []
    assert client.post("/v1/readiness", json={"profile": {}}).status_code == 200  # every field optional


def test_stored_on_request_read_and_deleted_by_its_owner_only(keyed: TestClient):
    created = keyed.post("/v1/readiness", json={"profile": PROFILE, "store": True}, headers=BEARER_A)
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["id"] and body["created_at"] and stored_count(keyed) == 1
    path = f"/v1/readiness/{body['id']}"
    again = keyed.get(path, headers=BEARER_A)
    assert again.status_code == 200 and again.json()["plan"] == body["plan"]
    for method in ("GET", "DELETE"):
        other = keyed.request(method, path, headers=BEARER_B)
        assert other.status_code == 404 and other.json()["error"]["code"] == "report_not_found"
    assert keyed.delete(path, headers=BEARER_A).status_code == 204 and stored_count(keyed) == 0
    assert keyed.get(path, headers=BEARER_A).status_code == 404
    assert keyed.delete(path, headers=BEARER_A).status_code == 404
    assert keyed.get(MISSING, headers=BEARER_A).status_code == 404
    assert keyed.get("/v1/readiness/" + "x" * 65, headers=BEARER_A).status_code == 422


def test_every_readiness_route_needs_a_key(keyed: TestClient):
    for method, path, body in [("POST", "/v1/readiness", {"profile": PROFILE}), ("GET", MISSING, None),
                               ("DELETE", MISSING, None)]:
        response = keyed.request(method, path, json=body)
        assert response.status_code == 401, (method, path)


def test_a_widget_token_may_ask_for_a_report_but_not_read_stored_ones(keyed: TestClient):
    token = keyed.post("/v1/widget-tokens", json={"origin": PORTAL}, headers=BEARER_A).json()["token"]
    widget = {"Authorization": f"Bearer {token}", "Origin": PORTAL}
    assert keyed.post("/v1/readiness", json={"profile": PROFILE}, headers=widget).status_code == 200
    assert keyed.get(MISSING, headers=widget).status_code == 401


@pytest.mark.parametrize(("body", "named"), [
    ({"profile": {"degree": "MD", "favourite_color": "blue", "yrs": 3}}, ["favourite_color", "yrs"]),
    ({"profile": {"degree": "PhD"}}, ["degree"]),
    ({"profile": {"years_in_practice": "eight"}}, ["years_in_practice"]),
    ({"profile": {"training_year": "junior"}}, ["training_year"]),
    ({"profile": {"target_settings": ["circus"]}}, ["target_settings"]),
    ({"profile": {"roles": ["x"] * 21}}, ["roles"]),
    ({"profile": PROFILE, "extra": 1}, ["extra"]),
    ({}, ["profile"]),
    ({"profile": "MD"}, ["profile"]),
])
def test_bad_profiles_are_422_naming_the_field(client: TestClient, body: dict, named: list[str]):
    response = client.post("/v1/readiness", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    shown = error["message"] + json.dumps(error.get("details"))
    for name in named:
        assert name in shown
    assert "blue" not in shown  # values are never echoed


def test_an_oversized_profile_is_413(make_client: ClientFactory):
    client = make_client()
    big = {name: [f"{name} {i} " + "x" * 100 for i in range(20)] for name in ("roles", "committees",
                                                                               "education")}
    response = client.post("/v1/readiness", json={"profile": big})
    assert response.status_code == 413 and response.json()["error"]["code"] == "profile_too_large"
    small_body = make_client(max_body_bytes=2000)
    assert small_body.post("/v1/readiness", json={"profile": big}).status_code == 413


def test_chat_with_a_profile_answers_am_i_ready_for_this_person(client: TestClient):
    stated = "I'm a hospitalist with 8 years of practice and no admin experience. What does a director do?"
    first = client.post("/v1/chat", json={"message": stated,
                                          "profile": {"target_settings": ["insurer"]}}).json()
    assert first["citations"]  # a general question is answered as always
    follow_up = {"message": "am I ready?", "conversation_id": first["conversation_id"],
                 "profile": {"target_settings": ["insurer"]}}
    ready = client.post("/v1/chat", json=follow_up)
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert EIGHT in body["answer"]
    assert "hospital committees" in body["answer"] and body["citations"] and not body["refused"]
    stored = client.get(f"/v1/conversations/{body['conversation_id']}").json()["messages"]
    assert stored[-1]["content"] == body["answer"]
    without = client.post("/v1/chat", json={"message": "am I ready?"}).json()
    assert "five to ten years" not in without["answer"] or "8 years" not in without["answer"]
    bad = client.post("/v1/chat", json={"message": "am I ready?", "profile": {"yrs": 8}})
    assert bad.status_code == 422 and "yrs" in bad.json()["error"]["message"]


def test_chat_stream_with_a_profile(client: TestClient):
    body = {"message": "what should I do next?", "profile": PROFILE}
    with client.stream("POST", "/v1/chat/stream", json=body) as stream:
        events = [line for line in stream.iter_lines() if line.startswith("data:")]
    payloads = [json.loads(line[5:]) for line in events]
    text = "".join(p["text"] for p in payloads if "text" in p)
    cited = next(p for p in payloads if "citations" in p)
    assert text.startswith("Your next 90 days") and "Days 1-30:" in text and cited["citations"]


def test_openai_compatible_completion_with_a_profile(client: TestClient):
    body = {"model": "advisor", "messages": [{"role": "user", "content": "am I ready?"}], "profile": PROFILE}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    completion = response.json()
    assert "the articles put the usual requirement at five to ten years" in \
        completion["choices"][0]["message"]["content"]
    assert completion["citations"]
    bad = client.post("/v1/chat/completions", json={**body, "profile": {"degree": "vet"}})
    assert bad.status_code == 422


def test_the_openai_client_sends_a_profile_with_extra_body(live_server: Callable[..., LiveServer]):
    server = live_server(api_keys=[KEY_A])
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY_A, max_retries=0, timeout=60)
    reply = client.chat.completions.create(model="advisor",
                                           messages=[{"role": "user", "content": "what should I do next?"}],
                                           extra_body={"profile": PROFILE})
    content = reply.choices[0].message.content or ""
    assert "Days 1-30:" in content and "Learn what a medical director at a health insurer oversees" in content
    assert reply.model_extra and reply.model_extra["citations"]
