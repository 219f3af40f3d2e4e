"""The retriever interface: one required method, `rank`; `retrieve` turns a ranking into scored hits."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from advisor.models import Chunk, RetrievedChunk
from advisor.retrieval.index import SearchIndex

Scored = list[tuple[Chunk, float]]


@dataclass
class Ranking:
    """Chunks best first with the score that ranked them, and the dense and BM25 scores seen on the way."""

    ranked: Scored
    dense: Scored = field(default_factory=list)
    keyword: Scored = field(default_factory=list)


class UnknownRetrieverError(ValueError):
    pass


class Retriever(ABC):
    """Finds the chunks that answer a query, over a `SearchIndex`."""

    name: ClassVar[str]

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self.settings = index.settings

    @abstractmethod
    def rank(self, query: str, candidates: int) -> Ranking:
        """The best `candidates` chunks for `query` (more may be returned; they are cut to k)."""

    def retrieve(self, query: str, k: int | None = None) -> list[RetrievedChunk]:
        """The best k chunks for `query`, best first, with their dense, BM25 and fused scores."""
        k = k or self.settings.top_k
        self.index.refresh()
        ranking = self.rank(query, max(self.settings.tuning.candidate_k, k))
        dense_scores = {c.chunk_id: s for c, s in ranking.dense}
        bm25_scores = {c.chunk_id: s for c, s in ranking.keyword}
        return [
            RetrievedChunk(chunk=c, score=s, dense_score=dense_scores.get(c.chunk_id),
                           bm25_score=bm25_scores.get(c.chunk_id), rank=r)
            for r, (c, s) in enumerate(ranking.ranked[:k], start=1)
        ]
