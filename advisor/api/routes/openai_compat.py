"""GET /v1/models and POST /v1/chat/completions, so OpenAI clients can talk to the advisor unchanged.

The request's message list is the whole conversation: the last user message is the question, earlier user
and assistant messages are its history, system messages are ignored. Nothing is stored. Besides the standard
fields a completion carries `citations`, `refused`, `coverage` and `act` (in a stream, on the final chunk);
the `openai` client keeps them in `model_extra`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from advisor.answer_stream import AnswerStream
from advisor.api.answers import conversation_errors, ensure_warm, note_answer, start_stream
from advisor.api.deps import ApiCaller, ApiState, State
from advisor.api.errors import APIError, error_event_body, error_responses
from advisor.api.openai_schemas import (
    MODEL_ID,
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    ModelCard,
    ModelList,
    Usage,
)
from advisor.api.schemas import CitationOut, sse_response
from advisor.formatting import format_sources
from advisor.models import Citation, Turn
from advisor.readiness.conversation import answer_with_profile, stream_with_profile

router = APIRouter(prefix="/v1", tags=["openai"])

_STARTED = int(time.time())


def _completion_responses() -> dict[int | str, dict[str, Any]]:
    """JSON for a completion; with `stream: true`, events whose `data` is a chunk's JSON (or `[DONE]`)."""
    streamed = sse_response("", ["message", "error"])[200]["content"]  # chunks are unnamed ("message") events
    return {**error_responses(400, 401, 404, 413, 422, 429, 500, 503), 200: {
        "description": "A completion, or with `stream: true` a stream of `chat.completion.chunk`s.",
        "content": {"application/json": {}, **streamed}}}


def format_footnotes(citations: list[Citation]) -> str:
    """What follows an answer's text: a blank line and its numbered sources with short quotes
    (`advisor.formatting.format_sources`), or nothing when it cites nothing."""
    sources = format_sources(citations)
    return f"\n\n{sources}" if sources else ""


@router.get("/models", response_model=ModelList, responses=error_responses(401, 429, 500), summary="Models")
def list_models(_caller: ApiCaller) -> ModelList:
    return ModelList(data=[ModelCard(id=MODEL_ID, created=_STARTED)])


@router.post(
    "/chat/completions", response_model=ChatCompletion, summary="OpenAI-compatible chat completion",
    responses=_completion_responses(),
)
async def chat_completions(body: ChatCompletionRequest, state: State,
                           _caller: ApiCaller) -> ChatCompletion | EventSourceResponse:
    """Answer the last user message in the light of the earlier ones; citations are footnotes and a field.

    Top-level `citations`, `refused`, `coverage` and `act` describe the answer as POST /v1/chat does (in a
    stream, on the chunk with `finish_reason` "stop"). 503 `answerer_unavailable` (with `Retry-After`) when
    the configured LLM fails and `llm_fallback` is "error"; once a stream has begun, an `error` event.
    """
    if body.model != MODEL_ID:
        raise APIError(404, "model_not_found",
                       f"Unknown model {body.model!r}; the available model is {MODEL_ID!r}.")
    ensure_warm(state)
    question, history = _split_conversation(state, body)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        stream = AnswerStream(stream_with_profile(state.advisor, question, history, body.profile))
        deltas = await run_in_threadpool(start_stream, iter(stream))
        return EventSourceResponse(_chunks(state, completion_id, question, history, stream, deltas,
                                           include_usage), ping=15)
    answer = await run_in_threadpool(answer_with_profile, state.advisor, question, history, body.profile)
    note_answer(state, question, answer, "chat_completions")
    citations = [CitationOut.of(c) for c in answer.citations]
    content = answer.text + format_footnotes(answer.citations)
    return ChatCompletion(
        id=completion_id, created=int(time.time()), model=MODEL_ID,
        choices=[Choice(message=AssistantMessage(content=content), citations=citations)],
        usage=_usage(question, history, content), citations=citations, refused=answer.refused,
        coverage=answer.coverage, act=answer.act,
    )


def _split_conversation(state: ApiState, body: ChatCompletionRequest) -> tuple[str, list[Turn]]:
    """(question, history) from the message list. Raises 422 if it does not end with a user message."""
    turns: list[Turn] = []
    for i, message in enumerate(body.messages):
        if message.role in ("user", "assistant"):
            text = message.text()
            if message.role == "user":
                with conversation_errors():
                    state.chats.check_message(text, f"messages[{i}].content")
            turns.append(Turn(role=message.role, content=text))
    if not turns or turns[-1].role != "user" or not turns[-1].content.strip():
        raise APIError(422, "no_question",
                       "The last user or assistant message must be a non-empty user message.")
    return turns[-1].content, turns[:-1]


def _usage(question: str, history: list[Turn], content: str) -> Usage:
    prompt = len(question.split()) + sum(len(t.content.split()) for t in history)
    completion = len(content.split())
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


def _chunks(state: ApiState, completion_id: str, question: str, history: list[Turn], stream: AnswerStream,
            deltas: Iterator[str], include_usage: bool) -> Iterator[ServerSentEvent]:
    """`chat.completion.chunk` events for `stream` (whose text is `deltas`), the last one carrying the
    citations, `refused`, `coverage` and `act`, then `[DONE]`."""
    created = int(time.time())

    def chunk(delta: dict[str, str], finish: str | None = None, **extra: object) -> ServerSentEvent:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, **extra}]}
        return ServerSentEvent(data=json.dumps({**body, **extra}, ensure_ascii=False))

    try:
        yield chunk({"role": "assistant", "content": ""})
        for delta in deltas:
            yield chunk({"content": delta})
        answer = stream.answer
        note_answer(state, question, answer, "chat_completions_stream")
        footnotes = format_footnotes(answer.citations)
        if footnotes:
            yield chunk({"content": footnotes})
        citations = [c.model_dump() for c in (CitationOut.of(c) for c in answer.citations)]
        yield chunk({}, "stop", citations=citations, refused=answer.refused, coverage=answer.coverage,
                    act=answer.act)
        if include_usage:
            usage = _usage(question, history, answer.text + footnotes).model_dump()
            yield ServerSentEvent(data=json.dumps({"id": completion_id, "object": "chat.completion.chunk",
                                                   "created": created, "model": MODEL_ID, "choices": [],
                                                   "usage": usage}))
    except Exception as exc:  # the status line is sent already: report in-band, never the internals
        yield ServerSentEvent(event="error", data=json.dumps(error_event_body(exc), ensure_ascii=False))
    yield ServerSentEvent(data="[DONE]")
