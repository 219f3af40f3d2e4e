"""Bodies of the OpenAI-compatible routes (the subset the official `openai` client sends and reads).

Besides the standard fields, responses carry `citations` (on the completion and on each choice), and
`refused`, `coverage` and `act` (on the completion); in a stream, all of them on the final chunk. The
official `openai` client ignores fields it does not know and keeps them in `model_extra`. A citation's
`snippet`, `title` and `section` are untrusted plain text from documents: clients escape them. Any text of a
request that cannot be encoded (a lone surrogate) or stored (NUL) is a 422.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.api.schemas import ACT_DESCRIPTION, COVERAGE_DESCRIPTION, CitationOut, Text
from advisor.models import Coverage, DialogueAct
from advisor.readiness.profile import Profile

MODEL_ID = "advisor"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Text
    text: Text | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Text | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's text, with the text parts of a multi-part message joined."""
        if isinstance(self.content, list):
            return "".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """Sampling parameters are accepted and ignored: answers are composed from the documents."""

    model_config = ConfigDict(extra="allow")

    # Declared as an enum so that schema-driven clients and fuzzers send it; any other id is a 404
    # `model_not_found`, as OpenAI answers.
    model: Text = Field(description=f'The model id; "{MODEL_ID}" (see GET /v1/models).', max_length=200,
                        json_schema_extra={"enum": [MODEL_ID]})
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    profile: Profile | None = Field(
        None, description="Not an OpenAI field (the `openai` client sends it with `extra_body`): the "
                          "asker's profile, as for POST /v1/readiness, so that \"am I ready?\" and \"what "
                          "should I do next?\" are answered from their readiness report. Never stored.")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "advisor"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    citations: list[CitationOut] = Field(default_factory=list)


class Usage(BaseModel):
    """Word counts, as an approximation of tokens (the advisor does not tokenize)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[CitationOut] = Field(default_factory=list)
    refused: bool = False
    coverage: Coverage | None = Field(None, description=COVERAGE_DESCRIPTION)
    act: DialogueAct = Field("career", description=ACT_DESCRIPTION)
