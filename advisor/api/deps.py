"""What the routes depend on: the app's state (service, store, metrics...) and the caller's identity.

`require_api_key` guards every /v1 route; `require_chat_access` guards the chat routes and also accepts a
widget token sent from the origin it was issued for. Both then spend one unit of the caller's rate limit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from advisor.api.errors import APIError
from advisor.api.metrics import Metrics
from advisor.api.ratelimit import SlidingWindowLimiter
from advisor.api.security import AuthError, Principal, WidgetTokenSigner, authenticate
from advisor.conversations import ConversationService, ConversationStore
from advisor.service import Advisor
from advisor.settings import Settings


@dataclass
class ApiState:
    """Everything one app instance serves from; built by `create_app`, kept on `app.state.api`."""

    settings: Settings
    advisor: Advisor
    chats: ConversationService  # the routes answer, store and rate through it
    metrics: Metrics
    limiter: SlidingWindowLimiter
    widget_tokens: WidgetTokenSigner
    created_at: float = field(default_factory=time.monotonic)
    ready_at: float | None = None
    warmup_error: str | None = None
    warmed: threading.Event = field(default_factory=threading.Event)
    collector_paused: bool = False  # the garbage collector is off until warm-up ends (see advisor.server)

    @property
    def conversations(self) -> ConversationStore:
        """The conversations database (for the readiness probe)."""
        return self.chats.store


# The dependencies below never block (no I/O), so they are `async`: FastAPI runs sync ones in the thread
# pool, a thread hand-off per dependency per request.


async def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


State = Annotated[ApiState, Depends(get_state)]

# Declared so /docs and /openapi.json show how to authenticate; checked by `_principal` below.
_bearer = HTTPBearer(auto_error=False, description="An API key, or a widget token (`wt_...`) on chat routes.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")


def _principal(request: Request, state: ApiState, bearer: HTTPAuthorizationCredentials | None,
               api_key: str | None, allow_widget: bool) -> Principal:
    credential = bearer.credentials if bearer is not None else (api_key or None)
    try:
        principal = authenticate(state.settings, state.widget_tokens, credential,
                                 request.headers.get("origin"), allow_widget)
    except AuthError as exc:
        raise APIError(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"}) from exc
    retry_after = state.limiter.hit(principal.owner)
    if retry_after is not None:
        state.metrics.rate_limited.inc()
        raise APIError(429, "rate_limited", f"Too many requests; retry in {retry_after} s.",
                       {"Retry-After": str(retry_after)})
    request.state.principal = principal
    return principal


async def require_api_key(request: Request, state: State,
                    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                    api_key: Annotated[str | None, Depends(_api_key)]) -> Principal:
    """The caller, authenticated by API key (anonymous when no keys are configured). Raises 401, 429."""
    return _principal(request, state, bearer, api_key, allow_widget=False)


async def require_chat_access(request: Request, state: State,
                        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                        api_key: Annotated[str | None, Depends(_api_key)]) -> Principal:
    """Like `require_api_key`, but a widget token from its own origin is accepted too. Raises 401, 429."""
    return _principal(request, state, bearer, api_key, allow_widget=True)


ApiCaller = Annotated[Principal, Depends(require_api_key)]
ChatCaller = Annotated[Principal, Depends(require_chat_access)]
