"""GET and DELETE /v1/conversations/{id}, and POST /v1/feedback on an answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from advisor.api.answers import conversation_errors
from advisor.api.deps import ApiCaller, ChatCaller, State
from advisor.api.errors import error_responses
from advisor.api.schemas import ConversationOut, FeedbackCreate, FeedbackOut, MessageOut, Text

router = APIRouter(prefix="/v1", tags=["conversations"])

ConversationId = Annotated[Text, Path(max_length=64, description="The id returned by POST /v1/chat.")]


@router.get("/conversations/{conversation_id}", response_model=ConversationOut,
            responses=error_responses(401, 404, 422, 429, 500), summary="A conversation and its messages")
def get_conversation(conversation_id: ConversationId, state: State, caller: ApiCaller) -> ConversationOut:
    """The conversation's messages in order, answers with their citations. 404 if it is not the caller's."""
    with conversation_errors():
        record, messages = state.chats.conversation(conversation_id, caller.owner)
    return ConversationOut(id=record.id, created_at=record.created_at, updated_at=record.updated_at,
                           messages=[MessageOut.of(m) for m in messages])


@router.delete("/conversations/{conversation_id}", status_code=204, response_class=Response,
               responses=error_responses(401, 404, 422, 429, 500), summary="Delete a conversation")
def delete_conversation(conversation_id: ConversationId, state: State, caller: ApiCaller) -> Response:
    """Delete the conversation, its messages and feedback. 404 if it is not the caller's."""
    with conversation_errors():
        state.chats.delete(conversation_id, caller.owner)
    return Response(status_code=204)


@router.post("/feedback", status_code=201, response_model=FeedbackOut,
             responses=error_responses(400, 401, 404, 413, 422, 429, 500), summary="Rate an answer")
def add_feedback(body: FeedbackCreate, state: State, caller: ChatCaller) -> FeedbackOut:
    """Thumbs up or down (and an optional comment) on an answer; rating it again replaces the rating.

    Widget tokens are accepted here too, so the embedded chat can collect ratings.
    """
    with conversation_errors():
        record = state.chats.feedback(body.conversation_id, body.message_id, body.rating, caller.owner,
                                      comment=body.comment)
    state.metrics.feedback.labels(body.rating).inc()
    return FeedbackOut.of(record)
