"""Steps every answering route shares: input checks, conversation history, and recording the answer."""

from __future__ import annotations

import logging

from advisor.api.deps import ApiState
from advisor.api.errors import APIError
from advisor.api.schemas import ChatResponse, CitationOut
from advisor.api.security import Principal
from advisor.conversations import ConversationNotFoundError, MessageRecord
from advisor.models import Answer, Turn

log = logging.getLogger("advisor.api")

_TITLE_CHARS = 80


def ensure_warm(state: ApiState) -> None:
    """Raises 503 while the model and index are still being loaded."""
    if not state.warmed.is_set():
        raise APIError(503, "not_ready", "The advisor is still starting; retry in a few seconds.",
                       {"Retry-After": "2"})


def check_message(state: ApiState, message: str, field: str = "message") -> None:
    """Raises 422 when a user message is longer than `max_message_chars`."""
    limit = state.settings.max_message_chars
    if len(message) > limit:
        raise APIError(422, "message_too_long",
                       f"`{field}` is {len(message)} characters long; the limit is {limit}.")


def conversation_history(state: ApiState, principal: Principal, conversation_id: str | None) -> list[Turn]:
    """The stored turns of the caller's conversation (none for a new one). Raises 404 for anyone else's."""
    if conversation_id is None:
        return []
    try:
        return state.conversations.history(conversation_id, owner=principal.owner)
    except ConversationNotFoundError as exc:
        raise not_found_conversation() from exc


def not_found_conversation() -> APIError:
    return APIError(404, "conversation_not_found", "No such conversation.")


def store_exchange(state: ApiState, principal: Principal, conversation_id: str | None, question: str,
                   answer: Answer) -> tuple[str, MessageRecord]:
    """Save the question and answer, in a new conversation if needed; returns (conversation id, answer)."""
    if conversation_id is None:
        conversation, _, assistant = state.conversations.start_conversation(
            principal.owner, question, answer, title=question[:_TITLE_CHARS])
        return conversation.id, assistant
    try:
        _, assistant = state.conversations.record_exchange(conversation_id, question, answer,
                                                           owner=principal.owner)
    except ConversationNotFoundError as exc:  # deleted while the answer was being written
        raise not_found_conversation() from exc
    return conversation_id, assistant


def note_answer(state: ApiState, question: str, answer: Answer, route: str) -> None:
    """Count the answer in the metrics and log it (its text only with `debug_logging`)."""
    state.metrics.observe_answer(answer)
    fields: dict[str, object] = {
        "route": route, "refused": answer.refused, "refusal_reason": answer.refusal_reason,
        "citations": len(answer.citations), "answerer": answer.answerer,
        "answer_ms": round(answer.timings_ms.get("total", 0.0), 1),
    }
    if state.settings.debug_logging:
        fields.update(question=question, answer=answer.text)
    log.info("answered", extra=fields)


def chat_response(conversation_id: str, message: MessageRecord) -> ChatResponse:
    return ChatResponse(conversation_id=conversation_id, message_id=message.id, answer=message.content,
                        refused=message.refused, refusal_reason=message.refusal_reason,
                        citations=[CitationOut.of(c) for c in message.citations])
