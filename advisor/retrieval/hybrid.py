"""Retrieval: dense (Chroma), keyword (BM25) and their reciprocal-rank fusion."""

from __future__ import annotations

import threading
import time

from advisor.models import Chunk, RetrievedChunk
from advisor.retrieval.bm25_index import BM25Index
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.store import ChunkStore
from advisor.settings import RetrieverName, Settings

RETRIEVERS: tuple[str, ...] = ("hybrid", "dense", "bm25")


class UnknownRetrieverError(ValueError):
    pass


class Retriever:
    """Finds the chunks that answer a query; keeps its BM25 index in step with the store's version."""

    def __init__(self, settings: Settings, store: ChunkStore, embedder: SentenceTransformerEmbedder,
                 refresh_seconds: float = 2.0) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._bm25: BM25Index | None = None
        self._chunks: dict[str, Chunk] = {}
        self._checked_at = 0.0

    # ---- keeping the keyword index consistent ----------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Load or rebuild BM25 when the store's version differs from the one it was built from."""
        now = time.monotonic()
        if not force and self._bm25 is not None and now - self._checked_at < self.refresh_seconds:
            return
        with self._lock:
            self._checked_at = now
            version = self.store.version()
            if self._bm25 is not None and self._bm25.version == version:
                return
            chunks = {c.chunk_id: c for c in self.store.all_chunks()}
            index = BM25Index.load(self.settings.bm25_dir)
            if index is None or index.version != version or set(index.chunk_ids) != set(chunks):
                index = BM25Index.build(list(chunks.values()), version)
                try:
                    index.save(self.settings.bm25_dir)
                except OSError:
                    pass  # a read-only data directory still gets an in-memory index
            self._bm25, self._chunks = index, chunks

    @property
    def chunk_count(self) -> int:
        self.refresh()
        return len(self._chunks)

    def all_chunks(self) -> list[Chunk]:
        self.refresh()
        return list(self._chunks.values())

    def chunk(self, chunk_id: str) -> Chunk | None:
        self.refresh()
        return self._chunks.get(chunk_id)

    # ---- searching -----------------------------------------------------------------------
    def dense(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        vector = self.embedder.embed_cached([query])[0]
        return self.store.query(vector, k)

    def keyword(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        self.refresh()
        assert self._bm25 is not None
        return [(self._chunks[i], s) for i, s in self._bm25.search(query, k) if i in self._chunks]

    def retrieve(self, query: str, mode: RetrieverName | None = None, k: int | None = None) -> list[RetrievedChunk]:
        """The best k chunks for `query`, best first, with their dense, BM25 and fused scores."""
        mode = mode or self.settings.retriever
        k = k or self.settings.top_k
        if mode not in RETRIEVERS:
            raise UnknownRetrieverError(f"unknown retriever {mode!r}; choose one of {', '.join(RETRIEVERS)}")
        self.refresh()
        candidates = max(self.settings.candidate_k, k)
        dense = self.dense(query, candidates) if mode in ("hybrid", "dense") else []
        keyword = self.keyword(query, candidates) if mode in ("hybrid", "bm25") else []
        if mode == "dense":
            ranked = [(c, s) for c, s in dense]
        elif mode == "bm25":
            ranked = [(c, s) for c, s in keyword]
        else:
            ranked = reciprocal_rank_fusion([dense, keyword], self.settings.rrf_k)
        dense_scores = {c.chunk_id: s for c, s in dense}
        bm25_scores = {c.chunk_id: s for c, s in keyword}
        return [
            RetrievedChunk(chunk=c, score=s, dense_score=dense_scores.get(c.chunk_id),
                           bm25_score=bm25_scores.get(c.chunk_id), rank=r)
            for r, (c, s) in enumerate(ranked[:k], start=1)
        ]


def reciprocal_rank_fusion(rankings: list[list[tuple[Chunk, float]]], k: int = 60) -> list[tuple[Chunk, float]]:
    """Fuse ranked lists: each chunk scores the sum of 1 / (k + rank) over the lists that hold it."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking in rankings:
        for rank, (chunk, _) in enumerate(ranking, start=1):
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + 1.0 / (k + rank)
            chunks[chunk.chunk_id] = chunk
    order = sorted(scores, key=lambda cid: scores[cid], reverse=True)
    return [(chunks[cid], scores[cid]) for cid in order]
