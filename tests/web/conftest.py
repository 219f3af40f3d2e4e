"""Browser-test fixtures: the full app on a real uvicorn server on loopback, Debian's Chromium via Playwright.

Every page is watched: a request leaving loopback is blocked and recorded, and so are Content-Security-Policy
violations and page errors, so each test can assert that the page neither reached out nor tripped the policy.
"""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from advisor.answer_stream import AnswerStream, StreamEvent
from advisor.conversations import ConversationService, ConversationStore
from advisor.models import Turn
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
API_KEY = "portal-test-key-0123456789"
WIDGET_SECRET = "a-test-secret-of-sufficient-length"
PHONE = {"width": 390, "height": 844}


def bound_socket() -> socket.socket:
    """A TCP socket bound to a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class LiveServer:
    """A uvicorn server in a thread on 127.0.0.1 and a free port; `stop()` shuts it down."""

    def __init__(self, app: FastAPI, sock: socket.socket | None = None) -> None:
        self.sock = sock or bound_socket()
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self, timeout: float = 60.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()


@dataclass
class Served:
    """A running app: its base URL, settings and conversation store."""

    url: str
    settings: Settings
    store: ConversationStore


def build_app(settings: Settings, advisor: Advisor) -> FastAPI:
    from advisor.server import create_server_app

    return create_server_app(settings, advisor)


def wait_ready(url: str, timeout: float = 120.0) -> None:
    """Wait for GET /readyz to say ready (the app warms the advisor up in the background)."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the test server never became ready")


def _serve(settings: Settings, advisor: Advisor, app: FastAPI | None = None) -> Iterator[Served]:
    app = app or build_app(settings, advisor)
    server = LiveServer(app).start()
    try:
        wait_ready(server.url)
        yield Served(server.url, settings, app.state.api.conversations)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def web_server(advisor: Advisor, settings: Settings, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Served]:
    """The full app with no API keys (loopback development mode), its own conversations database."""
    db = tmp_path_factory.mktemp("web-db") / "conversations.sqlite3"
    web_settings = settings.model_copy(update={"database_url": f"sqlite:///{db}"})
    yield from _serve(web_settings, advisor)


class SlowConversations(ConversationService):
    """Every answer streamed with a pause before each piece of text (the real answer, slowly), so a browser
    test sees an answer while it is being written."""

    PAUSE_SECONDS = 0.15

    def ask_stream(self, message: str, history: list[Turn]) -> AnswerStream:
        self.check_message(message)
        return AnswerStream(self._slowly(self.advisor.ask_stream(message, history=history)))

    def _slowly(self, events: Iterable[StreamEvent]) -> Iterator[StreamEvent]:
        for event in events:
            if event.delta:
                time.sleep(self.PAUSE_SECONDS)
            yield event


@pytest.fixture(scope="session")
def slow_web_server(advisor: Advisor, settings: Settings, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[Served]:
    """The full app (no API keys) whose chat UI and widget stream each answer over a few seconds."""
    from advisor.api.app import create_app
    from advisor.web import mount_web

    db = tmp_path_factory.mktemp("web-slow-db") / "conversations.sqlite3"
    slow_settings = settings.model_copy(update={"database_url": f"sqlite:///{db}"})
    conversations = SlowConversations(advisor, ConversationStore.from_settings(slow_settings), slow_settings)
    app = create_app(slow_settings, advisor, conversations)
    mount_web(app, advisor, slow_settings, conversations)
    yield from _serve(slow_settings, advisor, app)


def load_demo_portal() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_portal", PROJECT_ROOT / "ui" / "demo_portal.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class PortalSetup:
    advisor: Served
    portal_url: str


@pytest.fixture(scope="session")
def keyed_setup(advisor: Advisor, settings: Settings, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[PortalSetup]:
    """The app with an API key, and a demo portal on another port (origin) that trades the key for tokens."""
    portal_sock = bound_socket()  # bound first: the advisor's frame-ancestors must name the portal's origin
    portal_url = f"http://127.0.0.1:{portal_sock.getsockname()[1]}"
    db = tmp_path_factory.mktemp("web-keyed-db") / "conversations.sqlite3"
    keyed = settings.model_copy(update={
        "database_url": f"sqlite:///{db}", "api_keys": [API_KEY], "frame_ancestors": [portal_url],
        "widget_token_secret": SecretStr(WIDGET_SECRET),
        "widget_token_ttl_seconds": 120,
    })
    for served in _serve(keyed, advisor):
        portal_app = load_demo_portal().make_portal_app(served.url, API_KEY)
        portal = LiveServer(portal_app, portal_sock).start()
        try:
            yield PortalSetup(served, portal_url)
        finally:
            portal.stop()


# ---- browser -----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (run scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class PageWatch:
    """What a page did that it should not: requests off loopback, CSP violations, uncaught errors."""

    external_requests: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.external_requests == [], self.external_requests
        assert self.csp_violations == [], self.csp_violations
        assert self.page_errors == [], self.page_errors


def _watch(context: Any, watch: PageWatch) -> None:
    def route(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            watch.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", route)

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            watch.csp_violations.append(message.text)

    context.on("console", on_console)
    context.on("weberror", lambda error: watch.page_errors.append(str(error.error)))


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """`open_page(url, viewport=None) -> (page, watch)`: a fresh browser context per call, closed after."""
    contexts: list[Any] = []

    def open_(url: str, viewport: dict[str, int] | None = None) -> tuple[Any, PageWatch]:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        watch = PageWatch()
        _watch(context, watch)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(url)
        return page, watch

    yield open_
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under tests/artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
