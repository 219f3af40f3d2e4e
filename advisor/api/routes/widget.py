"""POST /v1/widget-tokens: a portal's server trades its API key for a short-lived token for the browser."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from advisor.api.deps import ApiCaller, State
from advisor.api.errors import APIError, error_responses
from advisor.api.schemas import WidgetTokenCreate, WidgetTokenOut
from advisor.api.security import allowed_widget_origins, normalize_origin

router = APIRouter(prefix="/v1", tags=["widget"])


def own_origin(request: Request) -> str | None:
    """This server's origin as the caller addressed it (the origin of pages it serves, such as /embed)."""
    host = request.headers.get("host")
    return normalize_origin(f"{request.url.scheme}://{host}") if host else None


@router.post("/widget-tokens", status_code=201, response_model=WidgetTokenOut,
             responses=error_responses(400, 401, 403, 413, 422, 429, 500), summary="Issue a widget token")
def issue_widget_token(body: WidgetTokenCreate, request: Request, state: State,
                       caller: ApiCaller) -> WidgetTokenOut:
    """A token the browser sends as `Authorization: Bearer wt_...` to the chat and feedback routes.

    It is valid only in requests whose `Origin` is `origin` and only until `expires_at`
    (`ADVISOR_WIDGET_TOKEN_TTL_SECONDS`). `origin` must be in `ADVISOR_CORS_ORIGINS` or
    `ADVISOR_FRAME_ANCESTORS`, or be this server's own origin (the /embed page calls the API from there).
    """
    origin = normalize_origin(body.origin)
    allowed = allowed_widget_origins(state.settings) | {own_origin(request)}
    if origin is None or origin not in allowed:
        raise APIError(403, "origin_not_allowed",
                       "This origin is not allowed: it must look like https://portal.example.org and be "
                       "listed in ADVISOR_CORS_ORIGINS or ADVISOR_FRAME_ANCESTORS.")
    token, expires_at = state.widget_tokens.issue(caller.owner, origin)
    return WidgetTokenOut(token=token, origin=origin, expires_at=expires_at,
                          expires_in=max(0, expires_at - int(time.time())))
