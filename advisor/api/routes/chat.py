"""POST /v1/chat and POST /v1/chat/stream: ask within a stored conversation, get a cited answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from advisor.api.answers import (
    chat_response,
    check_message,
    conversation_history,
    ensure_warm,
    note_answer,
    store_exchange,
)
from advisor.api.deps import ApiState, ChatCaller, State
from advisor.api.errors import error_responses
from advisor.api.logs import current_request_id
from advisor.api.schemas import ChatRequest, ChatResponse, sse_response
from advisor.api.security import Principal
from advisor.models import Answer, Turn

log = logging.getLogger("advisor.api")

router = APIRouter(prefix="/v1", tags=["chat"])

_ERRORS = error_responses(400, 401, 404, 413, 422, 429, 500, 503)


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS, summary="Ask a question")
async def chat(body: ChatRequest, state: State, caller: ChatCaller) -> ChatResponse:
    """Answer `message` with numbered citations, continuing `conversation_id` when given.

    The conversation's stored messages are the history the advisor reads follow-up questions against.
    """
    ensure_warm(state)
    check_message(state, body.message)
    # One worker-thread hop for the whole exchange (a sync route would take a second one for the response)
    return await run_in_threadpool(_chat, state, caller, body)


def _chat(state: ApiState, caller: Principal, body: ChatRequest) -> ChatResponse:
    history = conversation_history(state, caller, body.conversation_id)
    answer = state.advisor.ask(body.message, history=history)
    note_answer(state, body.message, answer, "chat")
    conversation_id, message = store_exchange(state, caller, body.conversation_id, body.message, answer)
    return chat_response(conversation_id, message)


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
    check_message(state, body.message)
    history = await run_in_threadpool(conversation_history, state, caller, body.conversation_id)
    return EventSourceResponse(_events(state, caller, body, history), ping=15)


def _event(name: str, data: object) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(data, ensure_ascii=False))


def _events(state: ApiState, caller: Principal, body: ChatRequest,
            history: list[Turn]) -> Iterator[ServerSentEvent]:
    """The answer's events; runs in a worker thread (sse-starlette iterates sync generators there)."""
    try:
        answer: Answer | None = None
        for event in state.advisor.ask_stream(body.message, history=history):
            if event.delta:
                yield _event("delta", {"text": event.delta})
            if event.answer is not None:
                answer = event.answer
        if answer is None:
            raise RuntimeError("the advisor finished without an answer")
        note_answer(state, body.message, answer, "chat_stream")
        conversation_id, message = store_exchange(state, caller, body.conversation_id, body.message, answer)
        response = chat_response(conversation_id, message)
        yield _event("citations", {
            "conversation_id": conversation_id, "message_id": message.id, "refused": response.refused,
            "refusal_reason": response.refusal_reason,
            "citations": [c.model_dump() for c in response.citations],
        })
        yield _event("done", {"conversation_id": conversation_id, "message_id": message.id})
    except Exception as exc:  # the status line is sent already: report in-band, never the internals
        code = getattr(exc, "code", "internal_error")
        message_text = getattr(exc, "message", "Something went wrong on our side.")
        if code == "internal_error":
            log.exception("streamed answer failed")
        yield _event("error", {"error": {"code": code, "message": message_text,
                                         "request_id": current_request_id()}})
