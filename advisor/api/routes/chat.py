"""POST /v1/chat and POST /v1/chat/stream: ask within a stored conversation, get a cited answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from advisor.answer_stream import AnswerStream
from advisor.api.answers import chat_response, conversation_errors, ensure_warm, note_answer, start_stream
from advisor.api.deps import ApiState, ChatCaller, State
from advisor.api.errors import error_event_body, error_responses
from advisor.api.schemas import ChatRequest, ChatResponse, sse_response
from advisor.api.security import Principal
from advisor.readiness.conversation import answer_with_profile, stream_with_profile

router = APIRouter(prefix="/v1", tags=["chat"])

_ERRORS = error_responses(400, 401, 404, 413, 422, 429, 500, 503)


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS, summary="Ask a question")
async def chat(body: ChatRequest, state: State, caller: ChatCaller) -> ChatResponse:
    """Answer `message` with numbered citations, continuing `conversation_id` when given.

    The conversation's stored messages are the history the advisor reads follow-up questions against.
    `coverage` says how much of the question the articles answer, `act` what the message was (small talk
    gets a friendly reply without citations, not a refusal). 503 `answerer_unavailable` (with
    `Retry-After`) when the configured LLM fails and `llm_fallback` is "error".
    """
    ensure_warm(state)
    with conversation_errors():
        state.chats.check_message(body.message)
    # One worker-thread hop for the whole exchange (a sync route would take a second one for the response)
    return await run_in_threadpool(_chat, state, caller, body)


def _chat(state: ApiState, caller: Principal, body: ChatRequest) -> ChatResponse:
    with conversation_errors():
        if body.profile is None:
            exchange = state.chats.ask(body.message, body.conversation_id, caller.owner)
        else:  # the profile answers "am I ready?" / "what next?" for this asker; it is never stored
            history = state.chats.history(body.conversation_id, caller.owner)
            answer = answer_with_profile(state.advisor, body.message, history, body.profile)
            exchange = state.chats.record(caller.owner, body.conversation_id, body.message, answer)
    note_answer(state, body.message, exchange.answer, "chat")
    return chat_response(exchange)


@router.post(
    "/chat/stream", summary="Ask a question, streaming the answer (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses={**_ERRORS, **sse_response(
        "`delta` events, one `citations` event (with the answer's `refused`, `refusal_reason`, `coverage` "
        "and `act`), then `done`.", ["delta", "citations", "done", "error"])},
)
async def chat_stream(body: ChatRequest, state: State, caller: ChatCaller) -> EventSourceResponse:
    """Like POST /v1/chat, as Server-Sent Events, each with a JSON `data`:

    - `delta` `{"text"}`: the next piece of the answer;
    - `citations` `{"conversation_id", "message_id", "refused", "refusal_reason", "coverage", "act",
      "citations": [...]}`: the answer as POST /v1/chat describes it, without its text;
    - `done` `{"conversation_id", "message_id"}`; or, if answering fails midway, `error` `{"error": {...}}`
      (the shape of every error response; `code` "answerer_unavailable" when the LLM failed).

    The first piece of the answer is written before the response starts, so an LLM that fails at once is a
    503 `answerer_unavailable` response (with `Retry-After`), like an unknown conversation is a 404.
    """
    ensure_warm(state)
    with conversation_errors():
        state.chats.check_message(body.message)
        # Read now, so an unknown conversation is a 404 response rather than an error event
        history = await run_in_threadpool(state.chats.history, body.conversation_id, caller.owner)
    stream = state.chats.ask_stream(body.message, history) if body.profile is None else \
        AnswerStream(stream_with_profile(state.advisor, body.message, history, body.profile))
    deltas = await run_in_threadpool(start_stream, iter(stream))
    return EventSourceResponse(_events(state, caller, body, stream, deltas), ping=15)


def _event(name: str, data: object) -> ServerSentEvent:
    return ServerSentEvent(event=name, data=json.dumps(data, ensure_ascii=False))


def _events(state: ApiState, caller: Principal, body: ChatRequest, stream: AnswerStream,
            deltas: Iterator[str]) -> Iterator[ServerSentEvent]:
    """The events of `stream`, whose text is `deltas`; runs in a worker thread (sse-starlette iterates sync
    generators there)."""
    try:
        for delta in deltas:
            yield _event("delta", {"text": delta})
        note_answer(state, body.message, stream.answer, "chat_stream")
        with conversation_errors():  # the conversation may have been deleted while the answer was written
            exchange = state.chats.record(caller.owner, body.conversation_id, body.message, stream.answer)
        response = chat_response(exchange)
        yield _event("citations", {
            "conversation_id": response.conversation_id, "message_id": response.message_id,
            "refused": response.refused, "refusal_reason": response.refusal_reason,
            "coverage": response.coverage, "act": response.act,
            "citations": [c.model_dump() for c in response.citations],
        })
        yield _event("done", {"conversation_id": response.conversation_id, "message_id": response.message_id})
    except Exception as exc:  # the status line is sent already: report in-band, never the internals
        yield _event("error", error_event_body(exc))
