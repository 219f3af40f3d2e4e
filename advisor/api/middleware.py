"""The outermost layer of every request: request id, trusted hosts, failed-authentication throttling,
body-size limit, security headers, metrics, access log and the last-resort 500.

A pure ASGI middleware (not `BaseHTTPMiddleware`), so streamed responses pass through untouched.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.api.errors import error_response, internal_error_response
from advisor.api.logs import reset_request_id, set_request_id
from advisor.api.metrics import Metrics
from advisor.api.ratelimit import SlidingWindowLimiter
from advisor.api.security import allowed_hosts, host_of
from advisor.settings import Settings

log = logging.getLogger("advisor.api")
access_log = logging.getLogger("advisor.api.access")

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# The API's own paths: JSON only, never framed, never cached. Browser pages (/, /embed) set their own policy.
_API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/metrics")
_API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def route_label(scope: Scope) -> str:
    """The template of the route that served the request (a bounded label), e.g. /v1/sources/{doc_id}."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return (route.path or "") + "/{path}"
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Gives each HTTP request an id (`X-Request-ID`), headers, metrics and one access-log line.

    With `settings`, it also refuses requests to hosts the server does not answer for (400 `untrusted_host`,
    see `advisor.api.security.allowed_hosts`), and an address whose API requests failed authentication
    `auth_failures_per_minute` times in the last minute gets 429 `too_many_auth_failures` on /v1 (and on
    /metrics when it needs a key) until the minute is over, before any key is looked at. Behind a reverse
    proxy, let uvicorn read the client's address from it (`--forwarded-allow-ips`), or every client shares
    the proxy's.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int,
                 settings: Settings | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.hosts = allowed_hosts(settings) if settings is not None else None
        self.auth_failures = SlidingWindowLimiter(settings.auth_failures_per_minute if settings else 0)
        # Paths whose failed authentications count against the client address, and that it is then refused.
        self.auth_prefixes = ("/v1/", "/metrics") if settings and settings.metrics_require_key else ("/v1/",)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self._host_allowed(scope):
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = set_request_id(request_id)
        path: str = scope["path"]
        is_api = path.startswith(_API_PREFIXES)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                for name, value in _COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                if is_api and not path.startswith(("/docs", "/openapi.json")):
                    for name, value in _API_HEADERS.items():
                        headers.setdefault(name, value)
            await send(message)

        client = _client_address(scope)
        counts_failures = path.startswith(self.auth_prefixes)
        try:
            if not self._host_allowed(scope):
                await error_response(400, "untrusted_host",
                                     "This server does not answer for that host name.")(scope, receive,
                                                                                         send_with_headers)
            elif counts_failures and (wait := self.auth_failures.wait(client)) is not None:
                self.metrics.rate_limited.inc()
                await error_response(429, "too_many_auth_failures",
                                     f"Too many failed authentications; retry in {wait} s.",
                                     {"Retry-After": str(wait)})(scope, receive, send_with_headers)
            elif is_api and _content_length(scope) > self.max_body_bytes:
                await self._too_large()(scope, receive, send_with_headers)
            else:
                await self.app(scope, self._limited(receive) if is_api else receive, send_with_headers)
        except Exception:  # the last resort: log it, answer a generic 500 with the request id
            log.exception("unhandled error")
            if not response_started:
                await internal_error_response()(scope, receive, send_with_headers)
        finally:
            if status == 401 and counts_failures:
                self.auth_failures.add(client)
            seconds = time.perf_counter() - started
            label = route_label(scope)
            self.metrics.observe_request(scope["method"], label, status, seconds)
            principal = scope.get("state", {}).get("principal")
            access_log.info("request", extra={
                "method": scope["method"], "path": path,
                "route": label, "status": status, "duration_ms": round(seconds * 1000, 1),
                "owner": getattr(principal, "owner", None),
            })
            reset_request_id(token)

    def _host_allowed(self, scope: Scope) -> bool:
        if self.hosts is None:
            return True
        header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
        return header is None or host_of(header) in self.hosts  # no Host (HTTP/1.0): not a browser

    def _too_large(self) -> ASGIApp:
        return error_response(413, "request_too_large",
                              f"The request body is larger than {self.max_body_bytes} bytes.")

    def _limited(self, receive: Receive) -> Receive:
        """`receive`, failing with 413 once a body without a (truthful) Content-Length grows too large."""
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # FastAPI passes an HTTPException raised while reading the body to the error handlers.
                    raise HTTPException(413, f"The request body is larger than {self.max_body_bytes} bytes.")
            return message

        return limited_receive


def _client_address(scope: Scope) -> str:
    """The peer's address (behind a trusted proxy, uvicorn has put the forwarded one here)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _content_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
