"""GET /v1/sources and GET /v1/sources/{doc_id}: the indexed documents, and the text citations quote."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from advisor.api.deps import ApiCaller, State
from advisor.api.errors import APIError, error_responses
from advisor.api.schemas import FlaggedSentence, SourceDetail, SourceList, SourceOut, Text

router = APIRouter(prefix="/v1", tags=["sources"])


@router.get("/sources", response_model=SourceList, responses=error_responses(401, 429, 500),
            summary="The indexed documents")
def list_sources(state: State, _caller: ApiCaller) -> SourceList:
    listed = state.advisor.sources()
    return SourceList(sources=[SourceOut(doc_id=s.doc_id, title=s.title, site=s.site,
                                         chunk_count=s.chunk_count) for s in listed])


@router.get("/sources/{doc_id}", response_model=SourceDetail,
            responses=error_responses(401, 404, 422, 429, 500), summary="One document's cleaned text")
def get_source(doc_id: Annotated[Text, Path(max_length=200)], state: State,
               _caller: ApiCaller) -> SourceDetail:
    """The document's title, cleaned text (citation offsets point into it), number of chunks, and its
    `flagged` sentences: those read as instructions (to an AI, or asking readers for credentials, money or
    contact elsewhere), which no answer ever uses."""
    document = state.advisor.document(doc_id)
    if document is None:
        raise APIError(404, "source_not_found", "No such document.")
    chunk_count = next((s.chunk_count for s in state.advisor.sources() if s.doc_id == doc_id), 0)
    flagged = [FlaggedSentence(start=r.start, end=r.end, text=document.text[r.start:r.end],
                               role="instruction") for r in state.advisor.flagged_sentences(doc_id)]
    return SourceDetail(doc_id=document.doc_id, title=document.title, site=document.site,
                        chunk_count=chunk_count, text=document.text, flagged=flagged)
