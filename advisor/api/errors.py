"""One JSON error shape for every failure: `{"error": {"code", "message", "request_id", "details"?}}`.

The shape is also OpenAI-compatible (the `openai` client reads `error.message` and `error.code`).
Nothing internal (stack traces, file paths, exception text) ever reaches a response. An answerer whose LLM
failed (`AnswererUnavailableError`, raised with `llm_fallback="error"`) is a 503 `answerer_unavailable` with
`Retry-After`; its message is written for users. A stream that has begun reports errors as an `error` event
with the same body (`error_event_body`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from advisor.answering.base import AnswererUnavailableError
from advisor.api.logs import current_request_id

log = logging.getLogger("advisor.api")

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "request_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "rate_limited", 500: "internal_error", 503: "not_ready",
}
_DESCRIPTIONS = {**_STATUS_CODES, 503: "not_ready (still starting) or answerer_unavailable (the LLM failed)"}
ANSWERER_RETRY_AFTER_SECONDS = 30
"""What a 503 `answerer_unavailable` suggests waiting: an LLM server restarting, or a model loading."""


class ErrorDetail(BaseModel):
    loc: list[str | int] = []
    msg: str
    type: str = ""


class ErrorBody(BaseModel):
    code: str
    message: str
    request_id: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    """Every error response has this shape."""

    error: ErrorBody


class APIError(Exception):
    """An error with a status, a machine-readable code and a message safe to show to the caller."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   details: list[dict[str, Any]] | None = None) -> JSONResponse:
    """The JSON error response, carrying the current request id."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": current_request_id()}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def answerer_unavailable(exc: AnswererUnavailableError) -> APIError:
    """The 503 `answerer_unavailable` for an answerer whose backend failed (its message is safe to show)."""
    return APIError(503, "answerer_unavailable", str(exc) or "The answering model is unavailable.",
                    {"Retry-After": str(ANSWERER_RETRY_AFTER_SECONDS)})


def error_event_body(exc: Exception) -> dict[str, Any]:
    """The `{"error": {...}}` body of the `error` event that ends a stream which failed after it began:
    an APIError or an unavailable answerer as themselves, anything else (logged here) as `internal_error`."""
    if isinstance(exc, AnswererUnavailableError):
        exc = answerer_unavailable(exc)
    if isinstance(exc, APIError):
        code, message = exc.code, exc.message
    else:
        log.error("streamed answer failed", exc_info=exc)
        code, message = "internal_error", "Something went wrong on our side."
    return {"error": {"code": code, "message": message, "request_id": current_request_id()}}


def internal_error_response() -> JSONResponse:
    return error_response(500, "internal_error",
                          "Something went wrong on our side. Quote the request id if you report it.")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the given error statuses with the shared shape."""
    return {status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "error")}
            for status in statuses}


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, APIError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _answerer_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AnswererUnavailableError)
    log.warning("the answerer is unavailable: %s", exc)
    error = answerer_unavailable(exc)
    return error_response(error.status, error.code, error.message, error.headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) and exc.status_code < 500 else code.replace("_", " ")
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": [str(part) if not isinstance(part, int) else part for part in err.get("loc", ())],
         "msg": str(err.get("msg", "invalid")), "type": str(err.get("type", ""))}
        for err in exc.errors()
    ]
    first = details[0] if details else None
    where = ".".join(str(p) for p in first["loc"] if p != "body") if first else ""
    message = f"Invalid request: {where + ': ' if where else ''}{first['msg'] if first else 'invalid input'}."
    return error_response(422, "validation_error", message, details=details)


async def _unhandled(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    return internal_error_response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(AnswererUnavailableError, _answerer_unavailable)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unhandled)
