"""API fixtures: apps over the session's real, warmed Advisor, each with its own conversations database.

`make_client(**overrides)` builds an app from the session settings plus overrides (API keys, limits...)
and returns a TestClient; `live_server` runs an app on a real uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from advisor.api.app import create_app
from advisor.service import Advisor
from advisor.settings import Settings

KEY_A = "key-a-" + "a" * 26
KEY_B = "key-b-" + "b" * 26
PORTAL = "https://portal.example.org"
QUESTION = "How do I become a medical director?"
CLINICAL = "What dose of metoprolol should I give for atrial fibrillation?"
GREETING = "Hi!"
PARTIAL = "do medical directors have lower burnout than clinicians?"  # the articles have related points only


def api_settings(settings: Settings, tmp_path: Path, **overrides: object) -> Settings:
    """The session settings with a per-test conversations database and no web UI, plus `overrides`."""
    update: dict[str, object] = {"database_url": f"sqlite:///{tmp_path / 'conversations.sqlite3'}",
                                 "web_ui": False, "rate_limit_per_minute": 0,
                                 "trusted_hosts": ["testserver"]}  # TestClient's Host
    update.update(overrides)
    return Settings(**{**settings.model_dump(), **update}, _env_file=None)  # type: ignore[call-arg]


AppFactory = Callable[..., FastAPI]
ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_app(settings: Settings, advisor: Advisor, tmp_path: Path) -> AppFactory:
    """Build an app over the session advisor; keyword arguments override settings fields."""

    def build(**overrides: object) -> FastAPI:
        return create_app(api_settings(settings, tmp_path, **overrides), advisor)

    return build


@pytest.fixture
def make_client(make_app: AppFactory) -> Iterator[ClientFactory]:
    """Build an app and a TestClient on it (lifespan started); all are closed after the test."""
    clients: list[TestClient] = []

    def build(headers: dict[str, str] | None = None, **overrides: object) -> TestClient:
        client = TestClient(make_app(**overrides), headers=headers or {})
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
        client.app.state.api.conversations.close()  # type: ignore[attr-defined]


@pytest.fixture
def client(make_client: ClientFactory) -> TestClient:
    """An app without API keys (loopback development mode)."""
    return make_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: FastAPI


@pytest.fixture
def live_server(make_app: AppFactory) -> Iterator[Callable[..., LiveServer]]:
    """Start an app on a real uvicorn (127.0.0.1, free port) in a thread; stopped after the test."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides: object) -> LiveServer:
        app = make_app(**overrides)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                               access_log=False, lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 60
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return LiveServer(url=f"http://127.0.0.1:{port}", app=app)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=30)
