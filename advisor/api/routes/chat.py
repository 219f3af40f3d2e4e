"""POST /v1/chat and POST /v1/chat/stream: ask within a stored conversation, get a cited answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from advisor.api.answers import chat_response, conversation_errors, ensure_warm, note_answer
from advisor.api.deps import ApiState, ChatCaller, State
from advisor.api.errors import APIError, error_responses
from advisor.api.logs import current_request_id
from advisor.api.schemas import ChatRequest, ChatResponse, sse_response
from advisor.api.security import Principal
from advisor.models import Turn

log = logging.getLogger("advisor.api")

router = APIRouter(prefix="/v1", tags=["chat"])

_ERRORS = error_responses(400, 401, 404, 413, 422, 429, 500, 503)


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS, summary="Ask a question")
async def chat(body: ChatRequest, state: State, caller: ChatCaller) -> ChatResponse:
    """Answer `message` with numbered citations, continuing `conversation_id` when given.

    The conversation's stored messages are the history the advisor reads follow-up questions against.
    """
    ensure_warm(state)
    with conversation_errors():
        state.chats.check_message(body.message)
    # One worker-thread hop for the whole exchange (a sync route would take a second one for the response)
    return await run_in_threadpool(_chat, state, caller, body)


def _chat(state: ApiState, caller: Principal, body: ChatRequest) -> ChatResponse:
    with conversation_errors():
        exchange = state.chats.ask(body.message, body.conversation_id, caller.owner)
    note_answer(state, body.message, exchange.answer, "chat")
    return chat_response(exchange)


@router.post(
    "/chat/stream", summary="Ask a question, streaming the answer (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses={**_ERRORS, **sse_response("`delta` events, one `citations` event, then `done`.",
                                         ["delta", "citations", "done", "error"])},
)
async def chat_stream(body: ChatRequest, state: State, caller: ChatCaller) -> EventSourceResponse:
    """Like POST /v1/chat, as Server-Sent Events, each with a JSON `data`:

    - `delta` `{"text"}`: the next piece of the answer;
    - `citations` `{"conversation_id", "message_id", "refused", "refusal_reason", "citations": [...]}`;
    - `done` `{"conversation_id", "message_id"}`; or, if answering fails midway, `error` `{"error": {...}}`.
    """
    ensure_warm(state)
    with conversation_errors():
        state.chats.check_message(body.message)
        # Read now, so an unknown conversation is a 404 response rather than an error event
        history = await run_in_threadpool(state.chats.history, body.conversation_id, caller.owner)
    return EventSourceResponse(_events(state, caller, body, history), ping=15)


def _event(name: str, data: object) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(data, ensure_ascii=False))


def _events(state: ApiState, caller: Principal, body: ChatRequest,
            history: list[Turn]) -> Iterator[ServerSentEvent]:
    """The answer's events; runs in a worker thread (sse-starlette iterates sync generators there)."""
    try:
        stream = state.chats.ask_stream(body.message, history)
        for delta in stream:
            yield _event("delta", {"text": delta})
        note_answer(state, body.message, stream.answer, "chat_stream")
        with conversation_errors():  # the conversation may have been deleted while the answer was written
            exchange = state.chats.record(caller.owner, body.conversation_id, body.message, stream.answer)
        response = chat_response(exchange)
        yield _event("citations", {
            "conversation_id": response.conversation_id, "message_id": response.message_id,
            "refused": response.refused, "refusal_reason": response.refusal_reason,
            "citations": [c.model_dump() for c in response.citations],
        })
        yield _event("done", {"conversation_id": response.conversation_id, "message_id": response.message_id})
    except Exception as exc:  # the status line is sent already: report in-band, never the internals
        if isinstance(exc, APIError):
            code, message = exc.code, exc.message
        else:
            log.exception("streamed answer failed")
            code, message = "internal_error", "Something went wrong on our side."
        error = {"code": code, "message": message, "request_id": current_request_id()}
        yield _event("error", {"error": error})
