"""Request and response bodies of the advisor's own /v1 routes (the OpenAI-compatible ones are apart)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from advisor.conversations import FeedbackRecord, MessageRecord
from advisor.models import Citation, Coverage, DialogueAct, RefusalReason, Role
from advisor.readiness.profile import Profile
from advisor.text import storable_text

COVERAGE_DESCRIPTION = (
    "How much of what was asked the articles answer: `full` all of it; `partial` related points only (the "
    "answer then opens with \"The articles don't cover …\"); `none` nothing (a refusal, `refusal_reason` "
    "`out_of_scope`). Null when no article was consulted: small talk, and refusals of clinical questions, "
    "attempts to change the rules and empty messages."
)
ACT_DESCRIPTION = (
    "What the message was: `career` (a career question), small talk answered with a friendly reply and no "
    "citations (`greeting`, `thanks`, `capabilities`), or what is refused (`clinical`, `off_topic`, "
    "`injection`, `empty`)."
)


def sse_response(description: str, events: list[str]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI 200 response of a Server-Sent-Events route: `schema` describes one event (OpenAPI 3.1)."""
    event = {"type": "object", "required": ["data"], "properties": {
        "event": {"type": "string", "enum": events}, "data": {"type": "string", "description": "JSON text."},
        "id": {"type": "string"}, "retry": {"type": "integer"}}}
    return {200: {"description": description, "content": {"text/event-stream": {"schema": event}}}}




# The rule in the OpenAPI schema, so that clients and fuzzers know it: no NUL. (Lone surrogates are not
# valid Unicode, which JSON Schema strings are, and a range of them is a pattern few regex engines accept.)
_STORABLE_PATTERN = "^[^\\u0000]*$"
Text = Annotated[str, AfterValidator(storable_text), Field(json_schema_extra={"pattern": _STORABLE_PATTERN})]
"""A string from a request: refused with 422 when it cannot be encoded or stored (`storable_text`)."""

SNIPPET_DESCRIPTION = (
    "The quoted text, verbatim from a document: untrusted plain text (documents are written by others). "
    "It is never HTML: escape it before putting it in a page, and do not follow instructions in it."
)


class CitationOut(BaseModel):
    """A numbered source quoted verbatim by an answer. Its texts are untrusted plain text: clients escape
    them (`snippet`, `title` and `section` come from documents)."""

    n: int
    doc_id: str
    title: str
    section: str
    snippet: str = Field(description=SNIPPET_DESCRIPTION)

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls(n=citation.n, doc_id=citation.doc_id, title=citation.title, section=citation.section,
                   snippet=citation.snippet)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Text = Field(min_length=1, description="The question (at most `max_message_chars` characters).")
    conversation_id: Text | None = Field(None, max_length=64,
                                        description="Continue this conversation; omit to start one.")
    profile: Profile | None = Field(
        None, description="The asker's profile (as for POST /v1/readiness), never stored: with it, \"am I "
                          "ready?\" and \"what should I do next?\" are answered from their readiness report, "
                          "the facts they state in the conversation filling the fields it leaves empty.")


class ChatResponse(BaseModel):
    conversation_id: str
    message_id: str = Field(description="The id of the answer, to send feedback on.")
    answer: str
    refused: bool
    refusal_reason: RefusalReason | None = None
    coverage: Coverage | None = Field(description=COVERAGE_DESCRIPTION)
    act: DialogueAct = Field(description=ACT_DESCRIPTION)
    citations: list[CitationOut]


class MessageOut(BaseModel):
    id: str
    role: Role
    content: str
    citations: list[CitationOut] = Field(default_factory=list)
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    coverage: Coverage | None = Field(
        None, description=f"{COVERAGE_DESCRIPTION} Null for user messages and for answers stored before "
                          "the field existed.")
    act: DialogueAct | None = Field(
        None, description=f"{ACT_DESCRIPTION} Null for user messages and for answers stored before the field "
                          "existed.")
    created_at: datetime

    @classmethod
    def of(cls, record: MessageRecord) -> MessageOut:
        return cls(id=record.id, role=record.role, content=record.content,
                   citations=[CitationOut.of(c) for c in record.citations], refused=record.refused,
                   refusal_reason=record.refusal_reason, coverage=record.coverage, act=record.act,
                   created_at=record.created_at)


class ConversationOut(BaseModel):
    id: str
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Text = Field(max_length=64)
    message_id: Text = Field(max_length=64, description="An assistant message of that conversation.")
    rating: Literal["up", "down"]
    comment: Text | None = Field(None, max_length=2000)


class FeedbackOut(BaseModel):
    id: str
    conversation_id: str
    message_id: str
    rating: Literal["up", "down"]
    comment: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, record: FeedbackRecord) -> FeedbackOut:
        return cls(**record.model_dump())


class SourceOut(BaseModel):
    doc_id: str
    title: str
    site: str | None = None
    chunk_count: int


class SourceList(BaseModel):
    sources: list[SourceOut]


class FlaggedSentence(BaseModel):
    """A sentence of the document that no answer ever uses, for its owner to review."""

    start: int = Field(description="Offset of the sentence in `text`.")
    end: int
    text: str = Field(description="The sentence (untrusted plain text, as it stands in the document).")
    role: Literal["instruction"] = Field(
        description="`instruction`: addressed to an AI or to the system, or asking the reader for "
        "credentials, money or contact outside the document's site (decided at ingest).")


class SourceDetail(SourceOut):
    text: str = Field(description="The cleaned text that citations quote from.")
    flagged: list[FlaggedSentence] = Field(
        default_factory=list, description="Sentences read as instructions rather than career content: "
        "never quoted by any answerer nor shown to an LLM. Listed so that the document's owner sees them.")


class WidgetTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    origin: Text = Field(description="The web origin the widget runs on, e.g. https://portal.example.org.",
                        max_length=300)


class WidgetTokenOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>` from the bound origin.")
    origin: str
    expires_at: int = Field(description="Unix time after which the token is refused.")
    expires_in: int = Field(description="Seconds of validity left.")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "starting", "failed"]
    checks: dict[str, object]
