"""Rate limit, size limits, CORS, security headers, request ids, and errors that never leak internals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient

from advisor.api.app import create_app
from advisor.api.ratelimit import SlidingWindowLimiter
from advisor.service import Advisor, StreamEvent
from advisor.settings import Settings
from tests.api.conftest import KEY_A, KEY_B, PORTAL, QUESTION, ClientFactory, api_settings
from tests.api.test_chat import sse_events


def test_rate_limit_is_per_key_with_retry_after(make_client: ClientFactory):
    client = make_client(api_keys=[KEY_A, KEY_B], rate_limit_per_minute=3)
    for _ in range(3):
        assert client.get("/v1/sources", headers={"X-API-Key": KEY_A}).status_code == 200
    limited = client.get("/v1/sources", headers={"X-API-Key": KEY_A})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/v1/sources", headers={"X-API-Key": KEY_B}).status_code == 200  # B has its own quota
    assert client.get("/healthz").status_code == 200  # probes are not limited
    assert "advisor_rate_limited_total 1.0" in client.get("/metrics").text


def test_sliding_window_forgets_old_hits():
    now = [1000.0]
    limiter = SlidingWindowLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.hit("k") is None and limiter.hit("k") is None
    assert limiter.hit("k") == 60
    now[0] += 45
    assert limiter.hit("k") == 15
    now[0] += 15.5
    assert limiter.hit("k") is None
    assert SlidingWindowLimiter(0).hit("k") is None  # 0 disables the limit


def test_oversized_bodies_are_413_json(make_client: ClientFactory):
    client = make_client(max_body_bytes=1000)
    declared = client.post("/v1/chat", content=b'{"message": "' + b"x" * 2000 + b'"}',
                           headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large" and declared.json()["error"]["request_id"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while reading
        yield b'{"message": "'
        for _ in range(10):
            yield b"y" * 200
        yield b'"}'

    streamed = client.post("/v1/chat", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "request_too_large"


def test_long_messages_are_422(make_client: ClientFactory):
    client = make_client(max_message_chars=50)
    response = client.post("/v1/chat", json={"message": "x" * 51})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "message_too_long" and "50" in error["message"]
    assert client.post("/v1/chat", json={"message": QUESTION}).status_code == 200


def test_cors_allows_only_configured_origins_without_credentials(make_client: ClientFactory):
    client = make_client(cors_origins=[PORTAL])
    preflight = client.options("/v1/chat/stream", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-credentials" not in preflight.headers
    evil = client.options("/v1/chat/stream", headers={"Origin": "https://evil.example.com",
                                                      "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in evil.headers
    plain = client.get("/v1/sources", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in plain.headers


def test_security_headers_and_request_ids(client: TestClient):
    response = client.get("/v1/sources")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    first, second = response.headers["x-request-id"], client.get("/healthz").headers["x-request-id"]
    assert first != second and len(first) >= 16
    echoed = client.get("/healthz", headers={"X-Request-ID": "client-supplied-id-123"})
    assert echoed.headers["x-request-id"] == "client-supplied-id-123"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


def test_unknown_routes_and_methods_are_json(client: TestClient):
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = client.get("/v1/chat")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["allow"]
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert client.put("/v1/feedback").status_code == 405


class ExplodingAdvisor:
    """The real advisor, except that answering fails with an error full of internals."""

    def __init__(self, real: Advisor) -> None:
        self._real = real

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._real, name)

    def ask(self, *args: object, **kwargs: object):  # noqa: ANN201
        raise RuntimeError("boom in /srv/advisor/secret_module.py line 42")

    def ask_stream(self, *args: object, **kwargs: object) -> Iterator[StreamEvent]:
        yield StreamEvent(delta="The first words ")
        raise RuntimeError("boom in /srv/advisor/secret_module.py line 42")


def test_unexpected_errors_are_generic_500s_with_the_request_id(settings: Settings, advisor: Advisor,
                                                                tmp_path: Path):
    app = create_app(api_settings(settings, tmp_path), ExplodingAdvisor(advisor))  # type: ignore[arg-type]
    with TestClient(app) as client:
        response = client.post("/v1/chat", json={"message": QUESTION})
        assert response.status_code == 500
        error = response.json()["error"]
        assert error == {"code": "internal_error", "message": error["message"],
                         "request_id": response.headers["x-request-id"]}
        assert "secret_module" not in response.text and "boom" not in response.text
        assert "Traceback" not in response.text

        with client.stream("POST", "/v1/chat/stream", json={"message": QUESTION}) as stream:
            events = sse_events(stream.read().decode())
        assert [name for name, _ in events] == ["delta", "error"]
        assert events[1][1]["error"]["code"] == "internal_error"
        assert "secret_module" not in str(events)

        messages = [{"role": "user", "content": QUESTION}]
        completion = client.post("/v1/chat/completions", json={"model": "advisor", "messages": messages})
        assert completion.status_code == 500 and "secret_module" not in completion.text
        assert 'status="500"' in client.get("/metrics").text
