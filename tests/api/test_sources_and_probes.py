"""GET /v1/sources, probes (/healthz, /readyz), /metrics, OpenAPI, and JSON logs with request ids."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from fastapi.testclient import TestClient

from advisor.api.app import create_app
from advisor.api.logs import JsonFormatter, RequestIdFilter
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.service import Advisor
from advisor.settings import Settings
from tests.api.conftest import CLINICAL, QUESTION, ClientFactory, api_settings


def test_sources_list_and_detail(client: TestClient, advisor: Advisor):
    listed = client.get("/v1/sources").json()["sources"]
    assert {s["doc_id"] for s in listed} == {s.doc_id for s in advisor.sources()}
    assert all(s["chunk_count"] > 0 for s in listed)
    assert all("source_path" not in s for s in listed)  # no internal paths in responses
    first = listed[0]
    detail = client.get(f"/v1/sources/{first['doc_id']}").json()
    assert detail["title"] == first["title"] and detail["chunk_count"] == first["chunk_count"]
    assert detail["text"] == advisor.document(first["doc_id"]).text
    missing = client.get("/v1/sources/no-such-document")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "source_not_found"


def test_citation_snippets_are_verbatim_in_the_source_text(client: TestClient):
    chat = client.post("/v1/chat", json={"message": QUESTION}).json()
    for citation in chat["citations"]:
        text = client.get(f"/v1/sources/{citation['doc_id']}").json()["text"]
        assert citation["snippet"] in text


def test_probes_when_ready(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["model_loaded"] is True and body["checks"]["index_loaded"] is True
    assert body["checks"]["database"] is True


def test_not_ready_until_warmed_up_and_never_ready_without_an_index(
        fresh_settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path):
    empty = Advisor(fresh_settings, embedder=embedder)  # nothing ingested
    app = create_app(api_settings(fresh_settings, tmp_path), empty)
    cold = TestClient(app)  # lifespan (and so warm-up) not started yet
    assert cold.get("/healthz").status_code == 200
    not_ready = cold.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["status"] == "starting"
    chat = cold.post("/v1/chat", json={"message": QUESTION})
    assert chat.status_code == 503 and chat.json()["error"]["code"] == "not_ready"
    assert chat.headers["Retry-After"]
    with TestClient(app) as warm:  # warm-up runs, but there is nothing to load
        app.state.api.warmed.wait(120)
        still = warm.get("/readyz")
        assert still.status_code == 503 and still.json()["checks"]["index_loaded"] is False
    app.state.api.conversations.close()


def test_warm_up_leaves_what_it_loaded_out_of_full_garbage_collections(
        settings: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path):
    """A full collection walks every tracked object (~0.3 s with the model and index loaded); after warm-up
    the start-up heap is frozen, so those pauses no longer stall the requests in flight."""
    import gc

    cold = Advisor(settings, embedder=embedder)  # over the ingested corpus, not warmed up yet
    app = create_app(api_settings(settings, tmp_path), cold)
    frozen_before = gc.get_freeze_count()
    with TestClient(app) as client:
        assert app.state.api.warmed.wait(120)
        assert client.get("/readyz").status_code == 200
    assert gc.get_freeze_count() > frozen_before
    app.state.api.conversations.close()


def test_a_served_app_collects_no_garbage_while_starting_and_does_again_once_ready(
        advisor: Advisor, settings: Settings, tmp_path: Path, monkeypatch):
    """`app_from_env` (what `advisor serve` runs) pauses the collector through imports and warm-up, where it
    would walk the growing heap about ten times, and turns it back on when warm-up ends."""
    import gc

    from advisor.server import app_from_env
    from advisor.settings import get_settings

    for name, value in {"ADVISOR_DATA_DIR": str(settings.data_dir), "ADVISOR_WEB_UI": "false",
                        "ADVISOR_DATABASE_URL": f"sqlite:///{tmp_path / 'conversations.sqlite3'}",
                        "ADVISOR_TRUSTED_HOSTS": '["testserver"]'}.items():  # TestClient's Host
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        app = app_from_env()
        assert not gc.isenabled()
        with TestClient(app) as client:
            assert app.state.api.warmed.wait(120)
            assert client.get("/readyz").status_code == 200
            assert gc.isenabled()
        app.state.api.conversations.close()
    finally:
        gc.enable()
        get_settings.cache_clear()


def test_metrics_count_requests_answers_refusals_and_feedback(client: TestClient):
    def value(text: str, prefix: str) -> float:
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))

    before = client.get("/metrics").text
    chat = client.post("/v1/chat", json={"message": QUESTION}).json()
    client.post("/v1/chat", json={"message": CLINICAL})
    client.post("/v1/feedback", json={"conversation_id": chat["conversation_id"],
                                      "message_id": chat["message_id"], "rating": "down"})
    client.get("/v1/sources/missing")
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    chat_ok = 'advisor_http_requests_total{method="POST",route="/v1/chat",status="200"}'
    assert value(after, chat_ok) == value(before, chat_ok) + 2
    missing = 'advisor_http_requests_total{method="GET",route="/v1/sources/{doc_id}",status="404"}'
    assert value(after, missing) == 1
    assert value(after, 'advisor_answers_total{outcome="refused",reason="clinical"}') == 1
    assert value(after, 'advisor_answers_total{outcome="answered"') == 1
    assert value(after, 'advisor_feedback_total{rating="down"}') == 1
    assert value(after, 'advisor_http_request_duration_seconds_count{method="POST",route="/v1/chat"}') == 2
    assert "advisor_ready 1.0" in after


def test_each_app_has_its_own_metrics(make_client: ClientFactory):
    first, second = make_client(), make_client()
    first.get("/v1/sources")
    assert 'route="/v1/sources"' in first.get("/metrics").text
    assert 'route="/v1/sources"' not in second.get("/metrics").text


def test_openapi_documents_every_route(client: TestClient):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/v1/chat", "/v1/chat/stream", "/v1/conversations/{conversation_id}", "/v1/feedback",
            "/v1/sources", "/v1/sources/{doc_id}", "/v1/widget-tokens", "/v1/models", "/v1/chat/completions",
            "/healthz", "/readyz", "/metrics"} <= paths
    assert "ErrorResponse" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def capture_logs(settings_debug: bool, make_client: ClientFactory) -> tuple[list[dict], str]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("advisor.api")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        client = make_client(debug_logging=settings_debug)
        response = client.post("/v1/chat", json={"message": QUESTION})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line["request_id"] != "-"], response.headers["x-request-id"]


def test_logs_are_json_lines_with_the_request_id_and_no_text(make_client: ClientFactory):
    lines, request_id = capture_logs(False, make_client)
    assert {line["msg"] for line in lines} >= {"answered", "request"}
    assert {line["request_id"] for line in lines} == {request_id}
    access = next(line for line in lines if line["msg"] == "request")
    assert access["status"] == 200 and access["route"] == "/v1/chat" and access["duration_ms"] > 0
    assert QUESTION not in json.dumps(lines)
    answered = next(line for line in lines if line["msg"] == "answered")
    assert "question" not in answered and "answer" not in answered


def test_debug_logging_includes_the_text(make_client: ClientFactory):
    lines, _ = capture_logs(True, make_client)
    answered = next(line for line in lines if line["msg"] == "answered")
    assert answered["question"] == QUESTION and answered["answer"]
