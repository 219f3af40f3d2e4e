"""A stand-in portal server: shows how a portal embeds the advisor without its API key reaching a browser.

Run it next to the advisor (`advisor serve` with ADVISOR_API_KEYS set) and open http://127.0.0.1:8100/:

    ADVISOR_URL=http://127.0.0.1:8000 ADVISOR_API_KEY=... .venv/bin/python ui/demo_portal.py

The page (`advisor/resources/demo/`, shipped with the package) embeds the chat twice: an inline frame whose
address carries a token fetched when the page is rendered, and the floating button of /embed/widget.js, which
fetches its tokens from POST /advisor-token. In a real portal, /advisor-token sits behind the portal's own
login.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response

from advisor.resources import read_resource
from advisor.web.pages import render_demo_page
from advisor.web.security import COMMON_HEADERS, demo_policy


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def make_portal_app(advisor_url: str, api_key: str) -> FastAPI:
    """The portal: GET / (the demo page), GET /demo.css and POST /advisor-token (the token exchange)."""
    advisor_url = advisor_url.rstrip("/")
    app = FastAPI(title="Demo portal", docs_url=None, redoc_url=None, openapi_url=None)

    def fetch_widget_token() -> str:
        # The chat runs in the advisor's /embed page, so the token is bound to the advisor's own origin;
        # the advisor's frame-ancestors setting decides which portals may frame that page.
        response = httpx.post(f"{advisor_url}/v1/widget-tokens", json={"origin": origin_of(advisor_url)},
                              headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
        if response.status_code != 201:
            raise HTTPException(status_code=502, detail="The advisor did not issue a token.")
        return str(response.json()["token"])

    @app.post("/advisor-token")
    def advisor_token() -> dict[str, str]:
        return {"token": fetch_widget_token()}

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        html = render_demo_page(advisor_url, asset_base="/", token_url="/advisor-token",
                                iframe_token=fetch_widget_token())
        return HTMLResponse(html, headers={**COMMON_HEADERS,
                                           "Content-Security-Policy": demo_policy(origin_of(advisor_url))})

    @app.get("/demo.css")
    def css() -> Response:
        return Response(read_resource("demo", "demo.css"), media_type="text/css")

    return app


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(make_portal_app(os.environ.get("ADVISOR_URL", "http://127.0.0.1:8000"),
                                os.environ["ADVISOR_API_KEY"]), host="127.0.0.1", port=8100)
