"""POST /v1/readiness (a profile's readiness report and 90-day plan), GET and DELETE /v1/readiness/{id}.

A profile is personal data: it is never logged, and the report (with its profile) is stored only when the
request says `"store": true`, owned by the caller's API key like a conversation (others get 404).
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from advisor.api.answers import ensure_warm
from advisor.api.deps import ApiCaller, ApiState, ChatCaller, State
from advisor.api.errors import APIError, error_responses
from advisor.api.readiness_schemas import ReadinessOut, ReadinessRequest
from advisor.readiness.profile import MAX_PROFILE_BYTES
from advisor.readiness.store import ReadinessStore

router = APIRouter(prefix="/v1", tags=["readiness"])

ReportId = Annotated[str, Path(max_length=64, description="The id returned by POST /v1/readiness.")]
_STORE_LOCK = threading.Lock()


def reports_of(request: Request, state: ApiState) -> ReadinessStore:
    """The app's report store, in the conversations' database (created on first use)."""
    store: ReadinessStore | None = getattr(request.app.state, "readiness_reports", None)
    if store is None:
        with _STORE_LOCK:
            store = getattr(request.app.state, "readiness_reports", None)
            if store is None:
                store = ReadinessStore(state.chats.store.engine)
                request.app.state.readiness_reports = store
    return store


@router.post("/readiness", response_model=ReadinessOut,
             summary="A profile's readiness report and 90-day plan",
             responses=error_responses(400, 401, 413, 422, 429, 500, 503))
async def create_report(body: ReadinessRequest, request: Request, state: State,
                        caller: ChatCaller) -> ReadinessOut:
    """Each requirement the articles state (`met`, `partly`, `not_yet`, `unknown`) with its cited sentence and
    a note relating it to the profile, the three most important gaps, and a 30/60/90-day plan whose every step
    is cited. With `"store": true` the report is kept (see GET /v1/readiness/{id}); otherwise nothing is.

    413 `profile_too_large` when the profile's JSON is longer than 4 KB. Widget tokens are accepted, so the
    embedded "My path" tab can ask for a report.
    """
    ensure_warm(state)
    size = len(body.profile.model_dump_json(exclude_none=True).encode())
    if size > MAX_PROFILE_BYTES:
        raise APIError(413, "profile_too_large",
                       f"The profile is {size} bytes long as JSON; the limit is {MAX_PROFILE_BYTES}.")
    report = await run_in_threadpool(state.advisor.readiness, body.profile)
    if not body.store:
        return ReadinessOut.of(report)
    store = reports_of(request, state)
    record = await run_in_threadpool(store.save, caller.owner, body.profile, report)
    return ReadinessOut.of(record.report, record.id, record.created_at)


@router.get("/readiness/{report_id}", response_model=ReadinessOut, summary="A stored readiness report",
            responses=error_responses(401, 404, 422, 429, 500))
def get_report(report_id: ReportId, request: Request, state: State, caller: ApiCaller) -> ReadinessOut:
    """A report stored with `"store": true`. 404 if there is none with this id or it is not the caller's."""
    record = reports_of(request, state).get(report_id, caller.owner)
    if record is None:
        raise APIError(404, "report_not_found", "No such readiness report.")
    return ReadinessOut.of(record.report, record.id, record.created_at)


@router.delete("/readiness/{report_id}", status_code=204, response_class=Response,
               summary="Delete a stored readiness report", responses=error_responses(401, 404, 422, 429, 500))
def delete_report(report_id: ReportId, request: Request, state: State, caller: ApiCaller) -> Response:
    """Delete the report and the profile stored with it. 404 if it is not the caller's."""
    if not reports_of(request, state).delete(report_id, caller.owner):
        raise APIError(404, "report_not_found", "No such readiness report.")
    return Response(status_code=204)
