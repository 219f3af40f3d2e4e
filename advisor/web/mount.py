"""Puts the browser side on the FastAPI app: the widget and demo routes, then the Gradio chat UI at "/"."""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI
from starlette.routing import Mount

from advisor.conversations import ConversationService
from advisor.service import Advisor
from advisor.settings import Settings
from advisor.web.pages import (
    CHAT_UI_SCRIPT,
    STATIC_DIR,
    add_chat_ui_routes,
    add_demo_routes,
    add_embed_routes,
)
from advisor.web.security import GradioCSPMiddleware

logger = logging.getLogger(__name__)

# Gradio's queue looks for work every millisecond when it has none (`Queue.sleep_when_free`, 1 ms off
# Windows): measured here, 63 ms of CPU per second on an idle server, every wake-up also taking the GIL from
# the threads answering API requests. 20 ms keeps the chat UI's start instant (measured: 27 ms/s idle).
_GRADIO_IDLE_POLL_SECONDS = 0.02

# Gradio must not phone home (analytics, version checks): the advisor runs without internet access.
_GRADIO_OFFLINE_ENV = {"GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_SSR_MODE": "False"}


def mount_all(app: FastAPI, advisor: Advisor, settings: Settings, conversations: ConversationService) -> None:
    """Mount what `advisor.web.mount_web` promises. The Gradio app goes last: it takes every other path."""
    add_embed_routes(app, settings)
    add_demo_routes(app)
    if settings.api_keys and not settings.public_chat_ui:
        # The chat UI calls the advisor directly, not through /v1: with keys configured it would be an
        # unauthenticated way in. Portals use the widget (tokens) instead, or opt in behind their own login.
        logger.warning(
            "API keys are set: the chat UI at / is not served (ADVISOR_PUBLIC_CHAT_UI=true serves it)"
        )
        return
    add_chat_ui_routes(app)
    for name, value in _GRADIO_OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    import gradio as gr  # heavy (seconds): imported only when the chat UI is actually served

    from advisor.web.chat_ui import make_chat_ui

    blocks = make_chat_ui(advisor, settings, conversations)
    theme = gr.themes.Soft(
        primary_hue="teal",
        font=["system-ui", "-apple-system", "Segoe UI", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    )
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=theme,
        css_paths=[STATIC_DIR / "chat.css"],
        # A script from this server, not inline: Gradio adds <head> elements itself, without the page's nonce.
        head=f'<script src="{CHAT_UI_SCRIPT}" defer></script>',
        footer_links=[],
        ssr_mode=False,
        show_error=False,
        enable_monitoring=False,
        mcp_server=False,
        pwa=False,
    )
    _poll_less(blocks)
    gradio_app = next(r.app for r in reversed(app.routes) if isinstance(r, Mount) and r.path == "")
    assert isinstance(gradio_app, FastAPI)  # gradio.routes.App
    gradio_app.add_middleware(GradioCSPMiddleware)


def _poll_less(blocks) -> None:  # blocks: gr.Blocks
    """Make the Gradio queue poll every `_GRADIO_IDLE_POLL_SECONDS` when idle (no-op if Gradio changes)."""
    queue = getattr(blocks, "_queue", None)
    if queue is not None and hasattr(queue, "sleep_when_free"):
        queue.sleep_when_free = max(queue.sleep_when_free, _GRADIO_IDLE_POLL_SECONDS)
