"""POST /v1/chat and /v1/chat/stream over the real advisor: answers, history, refusals, SSE order."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.api.conftest import CLINICAL, GREETING, PARTIAL, QUESTION

ANSWER_FIELDS = {"conversation_id", "message_id", "answer", "refused", "refusal_reason", "coverage", "act",
                 "citations"}


def sse_events(body: str) -> list[tuple[str, dict]]:
    """(event name, parsed data) for each event of an SSE body (comments such as pings skipped)."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def test_chat_answers_with_citations_and_starts_a_conversation(client: TestClient):
    response = client.post("/v1/chat", json={"message": QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_FIELDS
    assert body["refused"] is False and body["answer"]
    assert (body["act"], body["coverage"]) == ("career", "full")
    assert body["citations"], "an answer must cite its sources"
    assert [c["n"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))
    assert set(body["citations"][0]) == {"n", "doc_id", "title", "section", "snippet"}
    assert "[1]" in body["answer"]
    stored = client.get(f"/v1/conversations/{body['conversation_id']}").json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][1]["id"] == body["message_id"]
    assert stored["messages"][1]["citations"] == body["citations"]


def test_follow_up_uses_the_stored_history(client: TestClient, advisor):
    first = client.post("/v1/chat", json={"message": QUESTION}).json()
    follow_up = "What skills does that role need?"
    second = client.post("/v1/chat", json={"message": follow_up, "conversation_id": first["conversation_id"]})
    assert second.status_code == 200
    assert second.json()["conversation_id"] == first["conversation_id"]
    history = client.app.state.api.conversations.history(first["conversation_id"])  # type: ignore[attr-defined]
    assert [t.content for t in history][::2] == [QUESTION, follow_up]
    # The API's answer is the service's answer to the same question with the same history.
    expected = advisor.ask(follow_up, history=history[:2])
    assert second.json()["answer"] == expected.text


def test_clinical_question_is_refused_without_citations(client: TestClient):
    body = client.post("/v1/chat", json={"message": CLINICAL}).json()
    assert body["refused"] is True and body["refusal_reason"] == "clinical"
    assert body["citations"] == []
    assert (body["act"], body["coverage"]) == ("clinical", None)


def test_a_greeting_gets_a_friendly_reply_not_a_refusal(client: TestClient):
    body = client.post("/v1/chat", json={"message": GREETING}).json()
    assert (body["act"], body["refused"], body["refusal_reason"], body["coverage"]) == (
        "greeting", False, None, None)
    assert body["answer"] and body["citations"] == []
    stored = client.get(f"/v1/conversations/{body['conversation_id']}").json()["messages"]
    assert (stored[1]["act"], stored[1]["coverage"], stored[1]["refused"]) == ("greeting", None, False)


def test_related_points_only_are_marked_partial(client: TestClient):
    body = client.post("/v1/chat", json={"message": PARTIAL}).json()
    assert (body["act"], body["coverage"], body["refused"]) == ("career", "partial", False)
    assert body["answer"].startswith("The articles don't cover") and body["citations"]


def test_openapi_documents_coverage_and_act(client: TestClient):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ChatResponse", "MessageOut"):
        coverage, act = (schemas[name]["properties"][field] for field in ("coverage", "act"))
        assert "related points only" in coverage["description"]
        assert "greeting" in act["description"]
        assert coverage["anyOf"][0]["enum"] == ["full", "partial", "none"]
        assert {"type": "null"} in coverage["anyOf"]
    assert {"coverage", "act"} <= set(schemas["ChatResponse"]["required"])


def test_unknown_conversation_is_404(client: TestClient):
    response = client.post("/v1/chat", json={"message": QUESTION,
                                             "conversation_id": "00000000-0000-4000-8000-000000000000"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


def test_bad_chat_bodies_are_422_json(client: TestClient):
    for body in ({}, {"message": ""}, {"message": 5}, {"message": "hi", "extra": 1}, {"message": None}):
        response = client.post("/v1/chat", json=body)
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["details"] and error["request_id"]
    response = client.post("/v1/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error"


def test_stream_sends_deltas_then_citations_then_done(client: TestClient):
    with client.stream("POST", "/v1/chat/stream", json={"message": QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.read().decode())
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and names.count("citations") == 1
    assert set(names[:-2]) == {"delta"} and len(names) > 3
    text = "".join(data["text"] for name, data in events if name == "delta")
    citations = events[-2][1]
    assert set(citations) == ANSWER_FIELDS - {"answer"}
    assert citations["citations"] and citations["refused"] is False
    assert (citations["act"], citations["coverage"]) == ("career", "full")
    assert events[-1][1] == {"conversation_id": citations["conversation_id"],
                             "message_id": citations["message_id"]}
    stored = client.get(f"/v1/conversations/{citations['conversation_id']}").json()["messages"]
    assert stored[-1]["content"] == text and stored[-1]["citations"] == citations["citations"]


def test_stream_continues_a_conversation_and_refuses_in_band(client: TestClient):
    first = client.post("/v1/chat", json={"message": QUESTION}).json()
    with client.stream("POST", "/v1/chat/stream",
                       json={"message": CLINICAL, "conversation_id": first["conversation_id"]}) as response:
        events = sse_events(response.read().decode())
    final = dict(events)["citations"]
    assert final["refused"] is True and final["citations"] == []
    assert (final["act"], final["coverage"]) == ("clinical", None)
    assert final["conversation_id"] == first["conversation_id"]
    messages = client.get(f"/v1/conversations/{first['conversation_id']}").json()["messages"]
    assert len(messages) == 4 and messages[-1]["refused"] is True
    assert [(m["act"], m["coverage"]) for m in messages] == [
        (None, None), ("career", "full"), (None, None), ("clinical", None)]


def test_stream_says_a_greeting_is_small_talk(client: TestClient):
    with client.stream("POST", "/v1/chat/stream", json={"message": GREETING}) as response:
        events = sse_events(response.read().decode())
    final = dict(events)["citations"]
    assert (final["act"], final["refused"], final["coverage"], final["citations"]) == (
        "greeting", False, None, [])
    assert "".join(data["text"] for name, data in events if name == "delta")


def test_stream_errors_before_streaming_are_plain_json(client: TestClient):
    response = client.post("/v1/chat/stream", json={"message": QUESTION, "conversation_id": "nope"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "conversation_not_found"
    response = client.post("/v1/chat/stream", json={"message": "x" * 5000})
    assert response.status_code == 422 and response.json()["error"]["code"] == "message_too_long"
