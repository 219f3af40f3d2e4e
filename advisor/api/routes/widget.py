"""POST /v1/widget-tokens: a portal's server trades its API key for a short-lived token for the browser."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from advisor.api.deps import ApiCaller, State
from advisor.api.errors import APIError, error_responses
from advisor.api.schemas import WidgetTokenCreate, WidgetTokenOut
from advisor.api.security import allowed_widget_origins, normalize_origin

router = APIRouter(prefix="/v1", tags=["widget"])


def listening_origin(request: Request) -> str | None:
    """`http://host:port` of the socket this connection arrived on: the server's own address, whatever the
    request's `Host` or `X-Forwarded-*` headers claim. The origin of /embed when no `public_url` is set."""
    server = request.scope.get("server")
    if not server or server[1] is None:  # a Unix socket
        return None
    host = str(server[0])
    return normalize_origin(f"http://{f'[{host}]' if ':' in host else host}:{server[1]}")


@router.post("/widget-tokens", status_code=201, response_model=WidgetTokenOut,
             responses=error_responses(400, 401, 403, 413, 422, 429, 500), summary="Issue a widget token")
def issue_widget_token(body: WidgetTokenCreate, request: Request, state: State,
                       caller: ApiCaller) -> WidgetTokenOut:
    """A token the browser sends as `Authorization: Bearer wt_...` to the chat and feedback routes.

    It is valid only in requests whose `Origin` is `origin` and only until `expires_at`
    (`ADVISOR_WIDGET_TOKEN_TTL_SECONDS`). `origin` must be in `ADVISOR_CORS_ORIGINS` or
    `ADVISOR_FRAME_ANCESTORS`, or be the advisor's own origin, where the /embed page calls the API from:
    `ADVISOR_PUBLIC_URL`, or without it the address the server listens on. Headers of the request (`Host`,
    `X-Forwarded-*`) never count.
    """
    origin = normalize_origin(body.origin)
    settings = state.settings
    allowed = allowed_widget_origins(settings)
    if not settings.public_url:
        allowed.add(listening_origin(request) or "")
    if origin is None or origin not in allowed:
        raise APIError(403, "origin_not_allowed",
                       "This origin is not allowed: it must look like https://portal.example.org and be "
                       "listed in ADVISOR_CORS_ORIGINS or ADVISOR_FRAME_ANCESTORS, or be the origin of "
                       "ADVISOR_PUBLIC_URL.")
    token, expires_at = state.widget_tokens.issue(caller.owner, origin)
    return WidgetTokenOut(token=token, origin=origin, expires_at=expires_at,
                          expires_in=max(0, expires_at - int(time.time())))
