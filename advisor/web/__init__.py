"""The browser-facing side of the advisor: the Gradio chat UI, the embeddable widget and the demo portal page.

`mount_web` is called last by `advisor.api.app.create_app`; nothing heavy happens at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from advisor.conversations import ConversationStore
    from advisor.service import Advisor
    from advisor.settings import Settings


def mount_web(app: FastAPI, advisor: Advisor, settings: Settings,
              conversations: ConversationStore | None) -> None:
    """Mount the chat UI at "/", the widget at "/embed" (and "/embed/widget.js") and the demo at "/demo"."""
    from advisor.web.mount import mount_all

    mount_all(app, advisor, settings, conversations)
