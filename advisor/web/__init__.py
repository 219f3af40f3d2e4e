"""The browser-facing side of the advisor: the Gradio chat UI, the embeddable widget and the demo portal page.

`advisor.server` mounts it on the API's app with `mount_web`; nothing heavy happens at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from advisor.conversations import ConversationService
    from advisor.service import Advisor
    from advisor.settings import Settings


def mount_web(app: FastAPI, advisor: Advisor, settings: Settings, conversations: ConversationService) -> None:
    """Mount the chat UI at "/", the widget at "/embed" (and "/embed/widget.js") and the demo at "/demo".

    Mount it after every other route: the chat UI answers every path nothing else does. The chat UI stores
    its exchanges through `conversations`, where the API's are.
    """
    from advisor.web.mount import mount_all

    mount_all(app, advisor, settings, conversations)
