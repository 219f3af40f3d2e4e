"""What is indexed, loaded for searching: the chunks, their vectors and the BM25 index, kept in step with the
store's version (another process may ingest), with the nearest-chunk and keyword searches every retriever
builds on."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from advisor.lru import LRUCache
from advisor.models import Chunk, RetrievedChunk
from advisor.retrieval.bm25_index import BM25Index
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.query_terms import QueryTerms
from advisor.retrieval.store import ChunkStore
from advisor.settings import Settings

_VECTOR_CACHE_SIZE = 20_000  # chunk vectors kept in memory for score fusion (~30 MB with MiniLM)


class SearchIndex:
    """The loaded index. `refresh` reloads it when the store's version changes."""

    def __init__(
        self,
        settings: Settings,
        store: ChunkStore,
        embedder: SentenceTransformerEmbedder,
        refresh_seconds: float = 2.0,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()  # guards the loaded state (indexes, chunk vectors) while it is swapped
        self._rebuild_lock = threading.Lock()  # one thread at a time checks the store and rebuilds
        self._bm25: BM25Index | None = None
        self._chunks: dict[str, Chunk] = {}
        self._centroid: np.ndarray | None = None
        self._by_document: dict[str, list[Chunk]] = {}
        self._vectors: LRUCache[str, np.ndarray] = LRUCache(_VECTOR_CACHE_SIZE)
        # every chunk's id and vector when the corpus is small enough to pin (searched exactly in memory)
        self._pinned: tuple[list[str], np.ndarray] | None = None
        self._checked_at = 0.0

    # ---- keeping the index consistent with the store ----------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Load or rebuild BM25 when the store's version differs from the one it was built from.

        A rebuild (seconds on a large corpus) runs outside the lock queries take: while one thread rebuilds,
        the others keep answering from the index they have, and the new one is swapped in whole.
        """
        now = time.monotonic()
        if not force and self._bm25 is not None and now - self._checked_at < self.refresh_seconds:
            return
        serving = self._bm25 is not None and not force
        if not self._rebuild_lock.acquire(blocking=not serving):
            return  # another thread is checking or rebuilding; the current index serves meanwhile
        try:
            self._checked_at = now
            version = self.store.version()
            if self._bm25 is not None and self._bm25.version == version:
                return
            if self._bm25 is not None:  # another process may have written: reload an embedded vector index
                self.store.reopen()
            self._load(version)
        finally:
            self._rebuild_lock.release()

    def _load(self, version: str) -> None:
        chunks = {c.chunk_id: c for c in self.store.all_chunks()}
        index = BM25Index.load(self.settings.bm25_dir)
        if index is None or index.version != version or set(index.chunk_ids) != set(chunks):
            index = BM25Index.build(list(chunks.values()), version)
            try:
                index.save(self.settings.bm25_dir)
            except OSError:
                pass  # a read-only data directory still gets an in-memory index
        centroid = self.store.mean_embedding()
        by_document: dict[str, list[Chunk]] = {}
        for chunk in chunks.values():
            by_document.setdefault(chunk.doc_id, []).append(chunk)
        pinned = None
        if chunks and len(chunks) <= self.settings.pin_max_chunks:
            vectors = self.store.chunk_embeddings(list(chunks))
            ids = [i for i in chunks if i in vectors]
            pinned = (ids, np.array([vectors[i] for i in ids])) if ids else None
        with self._lock:
            self._bm25, self._chunks, self._centroid = index, chunks, centroid
            self._by_document, self._pinned = by_document, pinned
            self._vectors.clear()

    @property
    def bm25(self) -> BM25Index:
        self.refresh()
        assert self._bm25 is not None
        return self._bm25

    @property
    def index_version(self) -> str:
        """The store version the indexes were loaded from (changes with every ingest that writes)."""
        return str(self.bm25.version)

    @property
    def terms(self) -> QueryTerms:
        """The corpus's view of a query's words (topic words, specific terms, IDF weights)."""
        return QueryTerms(self.bm25, self.settings.tuning.topic_word_share)

    @property
    def centroid(self) -> np.ndarray | None:
        return self._centroid

    @property
    def chunk_count(self) -> int:
        self.refresh()
        return len(self._chunks)

    @property
    def is_large(self) -> bool:
        """Above `pin_max_chunks`, warm-up does not pre-embed every sentence and heading."""
        return self.chunk_count > self.settings.pin_max_chunks

    def all_chunks(self) -> list[Chunk]:
        self.refresh()
        return list(self._chunks.values())

    def chunk(self, chunk_id: str) -> Chunk | None:
        self.refresh()
        return self._chunks.get(chunk_id)

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        """The chunk that follows `chunk` in its document, if any."""
        self.refresh()
        following = [c for c in self._by_document.get(chunk.doc_id, []) if c.start >= chunk.end]
        return min(following, key=lambda c: c.start) if following else None

    def with_context(
        self, hits: list[RetrievedChunk], extra: Sequence[RetrievedChunk] = (), neighbours_of: int = 2
    ) -> list[RetrievedChunk]:
        """`hits`, then `extra` hits and the chunks that follow the best `neighbours_of` hits (chunk borders
        are arbitrary: the example or list a passage introduces often starts the next chunk)."""
        result = list(hits)
        seen = {h.chunk.chunk_id for h in result}
        following = [(h.rank, self.next_chunk(h.chunk)) for h in hits[:neighbours_of]]
        added = [
            *(hit.model_copy(update={"follow_up_rank": hit.rank}) for hit in extra),
            *(RetrievedChunk(chunk=c, score=0.0, follows_rank=r) for r, c in following if c is not None),
        ]
        for hit in added:
            if hit.chunk.chunk_id not in seen:
                seen.add(hit.chunk.chunk_id)
                result.append(hit.model_copy(update={"rank": len(result) + 1}))
        return result

    # ---- searching -----------------------------------------------------------------------
    def dense(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        return self.dense_many([query], k)[0]

    def dense_many(self, queries: list[str], k: int) -> list[list[tuple[Chunk, float]]]:
        """Nearest chunks of each query: one model call and one store call for all of them. A corpus small
        enough to pin (`pin_max_chunks`) is searched exactly in memory: a store query costs more than the
        whole search of a few thousand vectors."""
        self.refresh()
        vectors = self.embedder.embed_cached(queries)
        with self._lock:
            chunks, pinned = self._chunks, self._pinned
        if pinned is None:
            return self.store.query_many(list(vectors), k, known=chunks)
        ids, matrix = pinned
        similarity = vectors @ matrix.T
        nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
        return [[(chunks[ids[i]], float(row[i])) for i in order]
                for row, order in zip(similarity, nearest, strict=True)]

    def keyword(self, query: str, k: int) -> list[tuple[Chunk, float]]:
        index = self.bm25
        return [(self._chunks[i], s) for i, s in index.search(query, k) if i in self._chunks]

    def chunk_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Stored chunk embeddings, kept in memory after the first fetch (until the store changes)."""
        found = self._vectors.get_many(chunk_ids)
        missing = [i for i in chunk_ids if i not in found]
        if missing:
            fetched = self.store.chunk_embeddings(missing)
            self._vectors.put_many(fetched.items())
            found.update(fetched)
        return {i: found[i] for i in chunk_ids if i in found}

    @staticmethod
    def heading_texts(chunks: list[Chunk]) -> list[str]:
        """The texts whose similarity to the question is a chunk's heading score (to pre-embed them)."""
        return [c.section or c.title for c in chunks]
