"""The served application: the HTTP API (`advisor.api`) with the web UI (`advisor.web`) mounted on it.

`create_server_app` composes the two over one advisor and one conversation service. `app_from_env` is the
uvicorn factory `advisor serve` runs (`advisor.server:app_from_env`, factory=True): each worker process
builds its own app, and so its own model, index and database connections.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from advisor.api.app import create_app
from advisor.api.logs import configure_logging
from advisor.conversations import ConversationService, ConversationStore
from advisor.service import Advisor
from advisor.settings import Settings, get_settings
from advisor.web import mount_web


def create_server_app(settings: Settings, advisor: Advisor | None = None) -> FastAPI:
    """The API under /v1 with its probes, and (unless `web_ui` is off) the chat UI at /, the widget under
    /embed and the demo page, all over `advisor` (built from `settings` if not given)."""
    advisor = advisor or Advisor(settings)
    conversations = ConversationService(advisor, ConversationStore.from_settings(settings), settings)
    app = create_app(settings, advisor, conversations)
    if settings.web_ui:
        mount_web(app, advisor, settings, conversations)  # last: the chat UI takes every other path
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory: settings from the environment, JSON logs, a fresh app (one per worker).

    The garbage collector stays off from here until warm-up ends: the imports and loading ahead build a
    heap of ~600k objects, and on the way the collector would walk it about ten times (~2 s of the start).
    """
    already_paused = not gc.isenabled()
    gc.disable()
    settings = get_settings()
    configure_logging(settings.log_level)
    app = create_server_app(settings)
    app.state.api.collector_paused = not already_paused
    return app
