"""An answerer whose backend fails (`AnswererUnavailableError`, an LLM with `llm_fallback="error"`) is a 503
`answerer_unavailable` with `Retry-After` on every answering route, or an `error` event once a stream has
begun; nothing is stored. A registered fake answerer fails on demand; one test uses the real LLM answerer
pointed at a closed port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from advisor.answering.base import Answerer, AnswererUnavailableError, AnswerRequest, ComposedAnswer
from advisor.answering.registry import ANSWERERS, register_answerer
from advisor.api.app import create_app
from advisor.api.errors import ANSWERER_RETRY_AFTER_SECONDS
from advisor.api.security import ANONYMOUS
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.service import Advisor
from advisor.settings import Settings
from tests.api.conftest import GREETING, KEY_A, QUESTION, LiveServer, api_settings
from tests.api.test_chat import sse_events

UNAVAILABLE = "the test language model is unavailable (connection refused)"


class UnavailableAnswerer(Answerer):
    """Writes `pieces` (none by default), then fails as an unreachable LLM with `llm_fallback="error"`."""

    name = "unavailable"

    def __init__(self, _settings: Settings, _embedder: object) -> None:
        self.pieces: list[str] = []
        self.calls = 0

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        raise AnswererUnavailableError(UNAVAILABLE)

    def stream(self, request: AnswerRequest) -> Iterator[str | ComposedAnswer]:
        self.calls += 1
        yield from self.pieces
        raise AnswererUnavailableError(UNAVAILABLE)


@pytest.fixture(scope="module")
def failing_advisor(advisor: Advisor, embedder: SentenceTransformerEmbedder) -> Iterator[Advisor]:
    """An Advisor over the session's index whose answerer is the registered `UnavailableAnswerer`."""
    register_answerer(UnavailableAnswerer.name, UnavailableAnswerer)
    update = {"answerer": UnavailableAnswerer.name}
    service = Advisor(advisor.settings.model_copy(update=update), embedder=embedder)
    service.warm_up()
    yield service
    ANSWERERS.pop(UnavailableAnswerer.name, None)


@pytest.fixture
def answerer(failing_advisor: Advisor) -> UnavailableAnswerer:
    """The failing answerer, reset: it fails before writing anything unless a test gives it `pieces`."""
    instance = failing_advisor.answerer()
    assert isinstance(instance, UnavailableAnswerer)
    instance.pieces, instance.calls = [], 0
    return instance


@pytest.fixture
def make_app(settings: Settings, failing_advisor: Advisor, tmp_path: Path) -> Callable[..., FastAPI]:
    """tests/api's app factory (so `client`, `make_client` and `live_server` too) over the failing advisor."""
    return lambda **overrides: create_app(api_settings(settings, tmp_path, **overrides), failing_advisor)


def _assert_unavailable(response_status: int, headers: object, body: dict) -> None:
    assert response_status == 503
    assert headers["retry-after"] == str(ANSWERER_RETRY_AFTER_SECONDS)  # type: ignore[index]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == "answerer_unavailable" and body["error"]["message"] == UNAVAILABLE
    assert body["error"]["request_id"]


def test_chat_is_503_and_nothing_is_stored(client: TestClient, answerer: UnavailableAnswerer):
    response = client.post("/v1/chat", json={"message": QUESTION})
    _assert_unavailable(response.status_code, response.headers, response.json())
    assert answerer.calls == 1
    assert response.headers["x-request-id"] == response.json()["error"]["request_id"]
    assert client.app.state.api.conversations.list_conversations(ANONYMOUS) == []  # type: ignore[attr-defined]


def test_small_talk_needs_no_answerer(client: TestClient, answerer: UnavailableAnswerer):
    body = client.post("/v1/chat", json={"message": GREETING}).json()
    assert (body["act"], body["refused"]) == ("greeting", False) and answerer.calls == 0


def test_stream_that_fails_before_writing_is_a_503_response(client: TestClient,
                                                            answerer: UnavailableAnswerer):
    response = client.post("/v1/chat/stream", json={"message": QUESTION})
    _assert_unavailable(response.status_code, response.headers, response.json())
    assert response.headers["content-type"].startswith("application/json")


def test_stream_that_fails_midway_ends_with_an_error_event(client: TestClient, answerer: UnavailableAnswerer):
    answerer.pieces = ["A medical director ", "oversees "]
    with client.stream("POST", "/v1/chat/stream", json={"message": QUESTION}) as response:
        assert response.status_code == 200
        events = sse_events(response.read().decode())
    assert [name for name, _ in events] == ["delta", "delta", "error"]
    assert "".join(data["text"] for name, data in events if name == "delta") == "A medical director oversees "
    error = events[-1][1]["error"]
    assert (error["code"], error["message"]) == ("answerer_unavailable", UNAVAILABLE) and error["request_id"]
    assert client.app.state.api.conversations.list_conversations(ANONYMOUS) == []  # type: ignore[attr-defined]


@pytest.fixture
def server(live_server: Callable[..., LiveServer]) -> LiveServer:
    return live_server(api_keys=[KEY_A])


@pytest.fixture
def openai_client(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY_A, max_retries=0, timeout=60)


def test_completions_are_503_for_the_openai_client(openai_client: openai.OpenAI,
                                                   answerer: UnavailableAnswerer):
    messages = [{"role": "user", "content": QUESTION}]
    for stream in (False, True):  # a stream that fails before its first chunk is a 503 response too
        with pytest.raises(openai.InternalServerError) as raised:
            openai_client.chat.completions.create(model="advisor", messages=messages,  # type: ignore[arg-type]
                                                  stream=stream)
        error = raised.value
        body = error.response.json()
        _assert_unavailable(error.status_code, error.response.headers, body)
        assert error.code == "answerer_unavailable" and UNAVAILABLE in error.message
    assert answerer.calls == 2


def test_completion_stream_that_fails_midway_raises_in_the_openai_client(
        openai_client: openai.OpenAI, answerer: UnavailableAnswerer):
    answerer.pieces = ["A medical director "]
    stream = openai_client.chat.completions.create(model="advisor", stream=True,
                                                   messages=[{"role": "user", "content": QUESTION}])
    text = ""
    with pytest.raises(openai.APIError) as raised:
        for chunk in stream:
            text += (chunk.choices[0].delta.content or "") if chunk.choices else ""
    assert text == "A medical director "
    assert raised.value.code == "answerer_unavailable" and raised.value.message == UNAVAILABLE


def test_the_real_llm_answerer_with_an_unreachable_server_is_503(
        advisor: Advisor, embedder: SentenceTransformerEmbedder, tmp_path: Path):
    # Port 9 (discard) on loopback: the connection is refused at once, as with a stopped LLM server.
    llm_settings = advisor.settings.model_copy(update={
        "answerer": "openai", "llm_base_url": "http://127.0.0.1:9/v1", "llm_fallback": "error",
        "llm_timeout": 5.0})
    service = Advisor(llm_settings, embedder=embedder)
    service.warm_up()
    app = create_app(api_settings(llm_settings, tmp_path), service)
    with TestClient(app) as client:
        response = client.post("/v1/chat", json={"message": QUESTION})
        assert response.status_code == 503 and response.headers["retry-after"]
        error = response.json()["error"]
        assert error["code"] == "answerer_unavailable"
        assert error["message"].startswith("the openai language model is unavailable")
        assert "127.0.0.1" not in error["message"] and "Traceback" not in error["message"]
    app.state.api.conversations.close()
