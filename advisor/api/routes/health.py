"""Probes and metrics: GET /healthz (alive), GET /readyz (model and index loaded), GET /metrics (with
`metrics_require_key`, only with an API key)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy import text

from advisor.api.deps import ApiState, State, require_api_key
from advisor.api.errors import error_responses
from advisor.api.schemas import Health, Readiness

log = logging.getLogger("advisor.api")

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process is serving")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, summary="Readiness: model, index and database are usable",
            responses={503: {"model": Readiness, "description": "Still starting, or a part is not usable."}})
async def readyz(state: State) -> JSONResponse:
    if not state.warmed.is_set():
        # Starting: answer at once, from the event loop. Probes poll often, and full checks in a worker
        # thread would take the GIL from the warm-up they are waiting for.
        checks: dict[str, object] = {"model_loaded": state.advisor.embedder.loaded, "index_loaded": False}
        return _readiness(state, checks, ready=False)
    return await run_in_threadpool(_checked_readiness, state)


def _checked_readiness(state: ApiState) -> JSONResponse:
    checks: dict[str, object] = {}
    try:
        checks.update(state.advisor.health())
    except Exception:  # a failing check means "not ready", never a 500  # noqa: BLE001
        log.exception("health check failed")
        checks["advisor"] = "health check failed"
    try:
        with state.conversations.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # noqa: BLE001
        log.exception("database check failed")
        checks["database"] = False
    return _readiness(state, checks, ready=state.advisor.ready and checks["database"] is True)  # /v1 answers


def _readiness(state: ApiState, checks: dict[str, object], ready: bool) -> JSONResponse:
    if state.warmup_error:
        checks["warmup_error"] = state.warmup_error
    body = Readiness(status="ready" if ready else ("failed" if state.warmup_error else "starting"),
                     checks=jsonable_encoder(checks))
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


async def metrics_access(request: Request, state: State) -> None:
    """With `metrics_require_key`, the API key check of the /v1 routes (401, 429); else nothing."""
    if state.settings.metrics_require_key:
        await require_api_key(request, state, await _bearer(request), await _api_key(request))


_bearer = HTTPBearer(auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            dependencies=[Depends(metrics_access)],
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
                       **error_responses(401, 429)})
def metrics(state: State) -> Response:
    """Counters and histograms in the Prometheus text format. With `ADVISOR_METRICS_REQUIRE_KEY=true`
    (and API keys configured) it needs `Authorization: Bearer <key>` like the /v1 routes."""
    return Response(state.metrics.render(), media_type=state.metrics.content_type)
