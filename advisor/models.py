"""Data types shared by ingestion, retrieval, answering and every adapter."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["user", "assistant"]
RefusalReason = Literal["out_of_scope", "clinical", "injection", "empty", "no_index"]
Coverage = Literal["full", "partial", "none"]
"""How much of what was asked the documents answer: all of it, related points only, or nothing."""
DialogueAct = Literal[
    "career", "greeting", "thanks", "capabilities", "clinical", "off_topic", "injection", "empty", "no_index"
]
"""What a message does: a career question, small talk (greeting, thanks, "what can you do?"), or what is
refused."""


class Document(BaseModel):
    """A cleaned source document. `text` is what chunk spans and citations point into."""

    doc_id: str
    title: str
    text: str
    source_path: str = ""
    site: str | None = None
    content_hash: str = ""
    pages: list[tuple[int, int]] = Field(
        default_factory=list, description="(page number, start offset in text) for paged sources such as PDF."
    )

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character `offset`, or None for unpaged documents."""
        page = None
        for number, start in self.pages:
            if start <= offset:
                page = number
        return page


class Chunk(BaseModel):
    """A retrievable piece of a document: `text == document.text[start:end]`."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    start: int
    end: int
    page: int | None = None
    roles: str = Field(
        "", description="The role of each sentence (advisor.ingestion.roles, encoded); empty: not yet known.")

    def index_text(self) -> str:
        """The text that is embedded and BM25-indexed: the section heading gives the chunk its context."""
        return f"{self.section}\n{self.text}" if self.section else self.text


class RetrievedChunk(BaseModel):
    """A chunk with the scores that ranked it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    rank: int = 0
    follows_rank: int | None = Field(
        None, description="Context, not a hit: the chunk that continues the hit of this rank in its document."
    )
    follow_up_rank: int | None = Field(
        None, description="Its rank among the hits of a follow-up's own words (what it newly asks about)."
    )

    @property
    def reading_rank(self) -> int:
        """Where the answer should weigh it: a context chunk next to the hit it continues, a follow-up's own
        hit at its rank there, any other hit at its rank."""
        if self.follows_rank is not None:
            return self.follows_rank + 1
        return self.follow_up_rank if self.follow_up_rank is not None else self.rank


class Citation(BaseModel):
    """A numbered, verbatim quote backing one or more statements of an answer."""

    n: int
    doc_id: str
    title: str
    section: str
    snippet: str
    start: int
    end: int
    chunk_id: str
    page: int | None = None


class Turn(BaseModel):
    """One message of a conversation."""

    role: Role
    content: str


class Answer(BaseModel):
    """What `Advisor.ask` returns to every adapter."""

    question: str
    standalone_question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[RetrievedChunk] = Field(default_factory=list)
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    coverage: Coverage | None = Field(
        None, description="For a career question: 'full', 'partial' (related points only) or 'none'.")
    act: DialogueAct = "career"
    answerer: str = "extractive"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    metadata: dict[str, object] = Field(default_factory=dict)


class IngestError(BaseModel):
    path: str
    error: str


class IngestReport(BaseModel):
    """What one ingestion run did."""

    added_documents: list[str] = Field(default_factory=list)
    updated_documents: list[str] = Field(default_factory=list)
    unchanged_documents: list[str] = Field(default_factory=list)
    removed_documents: list[str] = Field(default_factory=list)
    chunks_written: int = 0
    chunks_deleted: int = 0
    errors: list[IngestError] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class SourceInfo(BaseModel):
    """An indexed document as listed by `advisor sources` and `GET /v1/sources`."""

    doc_id: str
    title: str
    site: str | None = None
    source_path: str = ""
    chunk_count: int = 0
