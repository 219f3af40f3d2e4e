"""What the answering routes share: the readiness check, the conversation service's errors as API errors,
starting a stream, counting and logging an answer, and the response to an exchange."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from advisor.answering.base import AnswererUnavailableError
from advisor.api.deps import ApiState
from advisor.api.errors import APIError, answerer_unavailable
from advisor.api.schemas import ChatResponse, CitationOut
from advisor.conversations import (
    ConversationNotFoundError,
    Exchange,
    MessageNotFoundError,
    MessageTooLongError,
)
from advisor.models import Answer

log = logging.getLogger("advisor.api")


def ensure_warm(state: ApiState) -> None:
    """Raises 503 while the model and index are still being loaded."""
    if not state.warmed.is_set():
        raise APIError(503, "not_ready", "The advisor is still starting; retry in a few seconds.",
                       {"Retry-After": "2"})


@contextmanager
def conversation_errors() -> Iterator[None]:
    """Raise the conversation service's errors as API errors: a message too long as 422
    `message_too_long`, an unknown (or someone else's) conversation as 404 `conversation_not_found`, and
    an unknown answer as 404 `message_not_found`."""
    try:
        yield
    except MessageTooLongError as exc:
        raise APIError(422, "message_too_long", str(exc)) from exc
    except ConversationNotFoundError as exc:
        raise APIError(404, "conversation_not_found", "No such conversation.") from exc
    except MessageNotFoundError as exc:
        raise APIError(404, "message_not_found", "No such answer in this conversation.") from exc


def start_stream(deltas: Iterator[str]) -> Iterator[str]:
    """The same deltas, the first one read now (call it in a worker thread, before the response starts):
    an answerer that fails before writing anything, as an unreachable LLM does, is then a 503
    `answerer_unavailable` response rather than a stream holding only an `error` event."""
    try:
        first = next(deltas, None)
    except AnswererUnavailableError as exc:
        raise answerer_unavailable(exc) from exc
    return itertools.chain([] if first is None else [first], deltas)


def note_answer(state: ApiState, question: str, answer: Answer, route: str) -> None:
    """Count the answer in the metrics and log it (its text only with `debug_logging`)."""
    state.metrics.observe_answer(answer)
    fields: dict[str, object] = {
        "route": route, "refused": answer.refused, "refusal_reason": answer.refusal_reason,
        "coverage": answer.coverage, "act": answer.act, "citations": len(answer.citations),
        "answerer": answer.answerer,
        "answer_ms": round(answer.timings_ms.get("total", 0.0), 1),
    }
    if state.settings.debug_logging:
        fields.update(question=question, answer=answer.text)
    log.info("answered", extra=fields)


def chat_response(exchange: Exchange) -> ChatResponse:
    """The body of POST /v1/chat for a stored exchange."""
    reply, answer = exchange.reply, exchange.answer
    return ChatResponse(conversation_id=exchange.conversation_id, message_id=reply.id, answer=reply.content,
                        refused=reply.refused, refusal_reason=reply.refusal_reason, coverage=answer.coverage,
                        act=answer.act, citations=[CitationOut.of(c) for c in reply.citations])
