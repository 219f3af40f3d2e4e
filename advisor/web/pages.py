"""The widget's routes (/embed, its script and style, /embed/widget.js), the demo portal page (/demo) and
the chat UI's own script (/chat-ui/chat.js).

Pages are small templates with `{{name}}` placeholders, filled with HTML-escaped values.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from advisor.resources import read_resource
from advisor.settings import Settings
from advisor.web.security import COMMON_HEADERS, demo_policy, embed_policy

STATIC_DIR = Path(__file__).resolve().parent / "static"
EMBED_ASSETS = {
    "embed.js": "text/javascript; charset=utf-8",
    "embed.css": "text/css; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
    "my_path.js": "text/javascript; charset=utf-8",  # the "My path" panel
    "my_path.css": "text/css; charset=utf-8",
}


def fill_template(template: str, values: dict[str, str]) -> str:
    """`template` with each `{{name}}` replaced by the HTML-escaped value."""
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", escape(value, quote=True))
    return template


def render_embed_page(settings: Settings) -> str:
    return fill_template((STATIC_DIR / "embed.html").read_text(encoding="utf-8"),
                         {"max_chars": str(settings.max_message_chars)})


def render_demo_page(advisor_url: str, asset_base: str, token_url: str = "", iframe_token: str = "",
                     template: Path | None = None) -> str:
    """The demo portal page embedding the advisor at `advisor_url` both ways.

    `token_url` is the portal endpoint the floating button fetches tokens from; `iframe_token` is a token the
    portal's server put into the inline frame's address. Both are empty when the advisor needs no token.
    `template` is another page to fill; by default the one shipped in `advisor/resources/demo/`.
    """
    advisor_url = advisor_url.rstrip("/")
    embed_src = f"{advisor_url}/embed" + (f"#token={iframe_token}" if iframe_token else "")
    page = read_resource("demo", "demo.html") if template is None else template.read_text(encoding="utf-8")
    return fill_template(page, {
        "advisor_url": advisor_url, "embed_src": embed_src, "token_url": token_url, "asset_base": asset_base,
    })


def add_embed_routes(app: FastAPI, settings: Settings) -> None:
    """GET /embed (the chat page for iframes) and GET /embed/{embed.js,embed.css,widget.js}."""
    page_headers = {
        **COMMON_HEADERS,
        "Content-Security-Policy": embed_policy(settings.frame_ancestors),
        "Cache-Control": "no-cache",
    }

    @app.api_route("/embed", methods=["GET", "HEAD"], include_in_schema=False)
    def embed_page() -> HTMLResponse:
        return HTMLResponse(render_embed_page(settings), headers=page_headers)

    @app.api_route("/embed/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def embed_asset(name: str) -> Response:
        if name not in EMBED_ASSETS:
            raise HTTPException(status_code=404, detail="Not found")
        headers = {**COMMON_HEADERS, "Cache-Control": "public, max-age=300"}
        if name == "widget.js":  # loaded by portals' pages from their own origins
            headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return FileResponse(STATIC_DIR / name, media_type=EMBED_ASSETS[name], headers=headers)


CHAT_UI_SCRIPT = "chat-ui/chat.js"
"""Where the chat UI's script is served, relative to the chat UI's page ("/")."""


def add_chat_ui_routes(app: FastAPI) -> None:
    """GET /chat-ui/chat.js: the chat UI's script (scrolling, citation markers), loaded from its <head>."""

    @app.api_route("/" + CHAT_UI_SCRIPT, methods=["GET", "HEAD"], include_in_schema=False)
    def chat_ui_script() -> Response:
        return FileResponse(STATIC_DIR / "chat.js", media_type="text/javascript; charset=utf-8",
                            headers={**COMMON_HEADERS, "Cache-Control": "no-cache"})


def add_demo_routes(app: FastAPI) -> None:
    """GET /demo: the demo portal page served by the advisor itself (no token: loopback development use)."""
    css = read_resource("demo", "demo.css")

    @app.get("/demo", include_in_schema=False)
    def demo_page(request: Request) -> HTMLResponse:
        advisor_url = str(request.base_url).rstrip("/")
        return HTMLResponse(render_demo_page(advisor_url, asset_base="demo/"),
                            headers={**COMMON_HEADERS, "Content-Security-Policy": demo_policy()})

    @app.get("/demo/demo.css", include_in_schema=False)
    def demo_css() -> Response:
        return Response(css, media_type="text/css; charset=utf-8", headers=COMMON_HEADERS)
