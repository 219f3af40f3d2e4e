"""Content-Security-Policy headers for the browser pages, and the middleware that nonces Gradio's scripts.

Gradio's index page carries inline <script> elements (its config among them), so a plain `script-src 'self'`
would break it and `'unsafe-inline'` would let any injected markup run. Instead every HTML page Gradio serves
gets a fresh nonce written into its <script> tags and into the policy: injected `<script>` elements and inline
event handlers (`<img onerror=...>`) stay blocked. Styles need `'unsafe-inline'` (Svelte sets style
attributes).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)
_SAFE_SOURCE = re.compile(r"^(?:'self'|'none'|\*|[a-zA-Z][a-zA-Z0-9+.-]*:(?://[^\s;,']*)?)$")


def frame_ancestors_sources(configured: Sequence[str]) -> str:
    """The `frame-ancestors` source list: `'self'` plus the configured portal origins.

    Entries that are not origins, schemes, `*`, `'self'` or `'none'` are dropped, so a stray `;` in the
    environment cannot smuggle another directive into the header.
    """
    sources = [s.strip() for s in configured if s.strip() and _SAFE_SOURCE.match(s.strip())]
    if "'none'" in sources:
        return "'none'"
    return " ".join(dict.fromkeys(["'self'", *sources]))


def join_policy(directives: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives)


def gradio_policy(nonce: str) -> str:
    """The policy of the Gradio chat UI pages."""
    return join_policy([
        ("default-src", "'self'"),
        ("script-src", f"'self' 'nonce-{nonce}'"),
        ("style-src", "'self' 'unsafe-inline'"),
        ("img-src", "'self' data: blob:"),
        ("font-src", "'self' data:"),
        ("media-src", "'self' data: blob:"),
        ("connect-src", "'self'"),
        ("worker-src", "'self' blob:"),
        ("frame-src", "'self'"),
        ("frame-ancestors", "'self'"),
        ("base-uri", "'self'"),
        ("form-action", "'self'"),
        ("object-src", "'none'"),
    ])


def embed_policy(frame_ancestors: Sequence[str]) -> str:
    """The policy of /embed: only its own script and stylesheet, talking only to this server."""
    return join_policy([
        ("default-src", "'none'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", "'self' data:"),
        ("connect-src", "'self'"),
        ("frame-ancestors", frame_ancestors_sources(frame_ancestors)),
        ("base-uri", "'none'"),
        ("form-action", "'none'"),
    ])


def demo_policy(advisor_origin: str = "'self'") -> str:
    """The policy of the demo portal page: scripts and frames only from the advisor."""
    return join_policy([
        ("default-src", "'self'"),
        ("script-src", f"'self' {advisor_origin}"),
        ("style-src", "'self'"),
        ("img-src", "'self' data:"),
        ("connect-src", "'self'"),
        ("frame-src", f"'self' {advisor_origin}"),
        ("base-uri", "'none'"),
        ("form-action", "'none'"),
        ("object-src", "'none'"),
    ])


COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class GradioCSPMiddleware:
    """ASGI middleware for the Gradio app: HTML responses get a nonce on each <script>, and the UI policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                is_html = headers.get("content-type", "").startswith("text/html")
                if not is_html or headers.get("content-encoding"):
                    await send(message)
                    return
                start = message  # hold the start until the whole page is here, to rewrite it
                return
            if message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                nonce = secrets.token_urlsafe(18)
                page = _SCRIPT_TAG.sub(f'<script nonce="{nonce}"'.encode(), b"".join(body))
                headers = MutableHeaders(scope=start)
                headers["Content-Security-Policy"] = gradio_policy(nonce)
                headers["Content-Length"] = str(len(page))
                await send(start)
                await send({"type": "http.response.body", "body": page, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)
