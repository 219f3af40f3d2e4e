"""The HTTP API as a FastAPI application: `create_app` wires the service, the conversations and the routes.

It serves the API alone; `advisor.server` builds the served application from it and the web UI.
"""

from __future__ import annotations

import gc
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.routing import APIRoute

from advisor.api.deps import ApiState
from advisor.api.errors import APIError, install_error_handlers
from advisor.api.metrics import Metrics
from advisor.api.middleware import RequestContextMiddleware
from advisor.api.ratelimit import SlidingWindowLimiter
from advisor.api.routes import API_ROUTERS, health
from advisor.api.security import WidgetTokenSigner
from advisor.conversations import ConversationService, ConversationStore
from advisor.service import Advisor
from advisor.settings import Settings

log = logging.getLogger("advisor.api")

API_VERSION = "1.0.0"

_DESCRIPTION = """Ask career questions about becoming a medical director; every answer cites its sources.

Authenticate with `Authorization: Bearer <API key>` (or `X-API-Key`) when the server has API keys configured.
Errors always have the shape `{"error": {"code", "message", "request_id"}}`.
"""


def create_app(settings: Settings, advisor: Advisor | None = None,
               conversations: ConversationService | None = None) -> FastAPI:
    """The API over `advisor` and `conversations` (built from `settings` if not given): /v1, probes, metrics.

    The advisor is warmed up in the background at start-up; /readyz answers 503 until it is ready.
    """
    advisor = advisor or Advisor(settings)
    conversations = conversations or ConversationService(advisor, ConversationStore.from_settings(settings),
                                                         settings)
    metrics = Metrics()
    state = ApiState(settings=settings, advisor=advisor, chats=conversations, metrics=metrics,
                     limiter=SlidingWindowLimiter(settings.rate_limit_per_minute),
                     widget_tokens=WidgetTokenSigner.from_settings(settings))
    if advisor.ready:
        state.warmed.set()
    metrics.ready.set_function(lambda: 1.0 if advisor.ready else 0.0)

    app = FastAPI(title="Medical-director career advisor", version=API_VERSION, description=_DESCRIPTION,
                  lifespan=_lifespan, docs_url=None, redoc_url=None)
    app.state.api = state
    install_error_handlers(app)
    app.include_router(health.router)
    for router in API_ROUTERS:
        app.include_router(router)
    # OPTIONS too: a plain OPTIONS (not a CORS preflight) gets the same 405 and `Allow` as other methods.
    app.add_api_route("/v1/{path:path}", _no_such_route,
                      methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                      include_in_schema=False)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"], max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes,
                       settings=settings)
    if not settings.api_keys:
        log.warning("no API keys configured (ADVISOR_API_KEYS): the API is open to anyone who can reach it, "
                    "so it must only listen on a loopback address")
    _document_limits(app, settings)
    _add_docs_routes(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: ApiState = app.state.api
    if not state.warmed.is_set():
        threading.Thread(target=_warm_up, args=(state,), name="advisor-warm-up", daemon=True).start()
    yield


def _warm_up(state: ApiState) -> None:
    """Load the model and the index, so /readyz turns ready; failures are logged, never raised."""
    started = time.perf_counter()
    try:
        state.advisor.warm_up()
    except Exception:  # the server keeps running and /readyz says why it is not ready  # noqa: BLE001
        log.exception("warm-up failed")
        state.warmup_error = "warm-up failed; see the server log"
    finally:
        # What is loaded now (libraries, model, index) lives as long as the process: keep it out of the
        # collector's full passes, which otherwise walk ~600k objects (~0.3 s, every thread stopped) each
        # time enough new objects have survived -- a stall every request in flight would wait out. (Start-up
        # garbage in reference cycles, if the collector was paused, is frozen with it: ~13k objects.)
        gc.freeze()
        if state.collector_paused:
            gc.enable()
            state.collector_paused = False
        state.warmed.set()
    seconds = round(time.perf_counter() - started, 2)
    if state.advisor.ready:
        state.ready_at = time.monotonic()
        log.info("ready", extra={"warm_up_seconds": seconds})
        _check_readiness_rubric(state)
    elif not state.warmup_error:
        log.warning("no documents are indexed: run `advisor ingest` first",
                    extra={"warm_up_seconds": seconds})


def _check_readiness_rubric(state: ApiState) -> None:
    """Check the readiness rubric against the index once ready (unsupported entries are logged), finding its
    sentences now rather than on the first POST /v1/readiness; a failure is logged, never raised."""
    from advisor.readiness.report import check_rubric

    try:
        check_rubric(state.advisor)
    except Exception:  # the report route will try again and fail visibly  # noqa: BLE001
        log.exception("readiness rubric check failed")


def _document_limits(app: FastAPI, settings: Settings) -> None:
    """Show the configured message limit in /openapi.json (it is a setting, so not in the static model)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            message = schema["components"]["schemas"]["ChatRequest"]["properties"]["message"]
            message["maxLength"] = settings.max_message_chars
        return app.openapi_schema or schema

    app.openapi = openapi  # type: ignore[method-assign]


# ---- API documentation pages ------------------------------------------------------------------------
# Swagger UI (/docs) loads its script and style from the `fastapi-offline` package on this server, never from
# a CDN, so the page works with no internet access (FastAPI's self-hosting recipe). No ReDoc: its bundle
# fetches a logo from its vendor's CDN.
_DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
_DOCS_ASSET_PATH = "/docs/assets"


def _docs_policy(nonce: str) -> str:
    """The documentation page's Content-Security-Policy: its own files and one nonced inline script."""
    return "; ".join([
        "default-src 'none'", f"script-src 'self' 'nonce-{nonce}'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'",
        "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'", "object-src 'none'",
    ])


def _docs_page(page: HTMLResponse) -> HTMLResponse:
    """`page` with a fresh nonce on its <script> tags and the policy that names it."""
    nonce = secrets.token_urlsafe(18)
    html = bytes(page.body).decode().replace("<script", f'<script nonce="{nonce}"')
    return HTMLResponse(html, headers={"Content-Security-Policy": _docs_policy(nonce),
                                       "Cache-Control": "no-cache"})


def _add_docs_routes(app: FastAPI) -> None:
    """GET /docs (Swagger UI) and GET /docs/assets/{name} (its files, from the install)."""
    static = Path(str(resources.files("fastapi_offline").joinpath("static")))
    openapi_url = app.openapi_url or "/openapi.json"
    # No validator badge: Swagger UI would send the spec's address to validator.swagger.io.
    parameters = {**(app.swagger_ui_parameters or {}), "validatorUrl": None}

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _docs_page(get_swagger_ui_html(
            openapi_url=root + openapi_url, title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{_DOCS_ASSET_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_DOCS_ASSET_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{_DOCS_ASSET_PATH}/favicon.png", swagger_ui_parameters=parameters,
        ))

    @app.get(_DOCS_ASSET_PATH + "/{name}", include_in_schema=False)
    def docs_asset(name: str) -> FileResponse:
        if name not in _DOCS_ASSETS:
            raise APIError(404, "not_found", "No such file.")
        return FileResponse(static / name, media_type=_DOCS_ASSETS[name],
                            headers={"Cache-Control": "public, max-age=3600"})


async def _no_such_route(request: Request) -> None:
    """JSON 404 (or 405) for unknown /v1 paths, before the web UI's catch-all mount can answer them."""
    allowed = sorted({method for router in API_ROUTERS for route in router.routes
                      if isinstance(route, APIRoute) and route.path_regex.match(request.url.path)
                      for method in route.methods or ()})
    if allowed:
        raise APIError(405, "method_not_allowed", "Method not allowed.", {"Allow": ", ".join(allowed)})
    raise APIError(404, "not_found", "No such route.")

