"""Retrieval: dense (Chroma), keyword (BM25) and their reciprocal-rank fusion."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict

import numpy as np

from advisor.models import Chunk, RetrievedChunk
from advisor.retrieval.bm25_index import BM25Index, stem, tokens_of
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.store import ChunkStore
from advisor.settings import RetrieverName, Settings
from advisor.text_units import STOPWORDS, answer_units, unit_in_context

RETRIEVERS: tuple[str, ...] = ("hybrid", "dense", "bm25", "baseline")
_VECTOR_CACHE_SIZE = 20_000  # chunk vectors kept in memory for score fusion (~30 MB with MiniLM)
_WORDS = re.compile(r"[A-Za-z][A-Za-z’'-]*")


class UnknownRetrieverError(ValueError):
    pass


class Retriever:
    """Finds the chunks that answer a query; keeps its BM25 index in step with the store's version."""

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
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        # every chunk's id and vector when the corpus is small enough to pin (searched exactly in memory)
        self._pinned: tuple[list[str], np.ndarray] | None = None
        self._checked_at = 0.0

    # ---- keeping the keyword index consistent ----------------------------------------------
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
        finally:
            self._rebuild_lock.release()

    @property
    def index_version(self) -> str:
        """The store version the indexes were loaded from (changes with every ingest that writes)."""
        self.refresh()
        assert self._bm25 is not None
        return str(self._bm25.version)

    @property
    def chunk_count(self) -> int:
        self.refresh()
        return len(self._chunks)

    def all_chunks(self) -> list[Chunk]:
        self.refresh()
        return list(self._chunks.values())

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        """The chunk that follows `chunk` in its document, if any."""
        self.refresh()
        following = [c for c in self._by_document.get(chunk.doc_id, []) if c.start >= chunk.end]
        return min(following, key=lambda c: c.start) if following else None

    def with_context(
        self,
        hits: list[RetrievedChunk],
        extra: list[RetrievedChunk] = (),  # type: ignore[assignment]
        neighbours_of: int = 2,
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

    def chunk(self, chunk_id: str) -> Chunk | None:
        self.refresh()
        return self._chunks.get(chunk_id)

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
        self.refresh()
        assert self._bm25 is not None
        return [(self._chunks[i], s) for i, s in self._bm25.search(query, k) if i in self._chunks]

    def focus(self, query: str) -> str:
        """The query without the corpus's topic words (those in most chunks, e.g. "medical director").

        Every document here is about becoming a medical director, so those words carry no information about
        which passage answers; a dense embedding of the remaining words finds the passage on the question's
        actual subject ("certifications", "salary").
        """
        self.refresh()
        assert self._bm25 is not None
        limit = self.settings.topic_word_share

        index = self._bm25
        words = [w for w in _WORDS.findall(query) if w.lower() not in STOPWORDS]
        stems = [stem(w) for w in words]
        kept = [index.share_of_chunks_with(s) <= limit for s in stems]
        for i in range(len(words) - 1):  # a rare pair of topic words is specific: keep both
            if (
                index.share_of_chunks_with(f"{stems[i]} {stems[i + 1]}") * len(index.chunk_ids) >= 1
                and index.share_of_chunks_with(f"{stems[i]} {stems[i + 1]}") <= limit / 4
            ):
                kept[i] = kept[i + 1] = True
        focused = [w for w, k in zip(words, kept, strict=True) if k]
        return " ".join(focused) if focused else query

    def topic_words(self, text: str) -> str:
        """The corpus-topic words of `text` (those `focus` drops), e.g. "medical director"."""
        kept = set(self.focus(text).split())
        return " ".join(w for w in _WORDS.findall(text) if w.lower() not in STOPWORDS and w not in kept)

    def specific_terms(self, text: str) -> frozenset[str]:
        """The stemmed terms of `text` other than the corpus's topic words: what it is specifically about."""
        self.refresh()
        assert self._bm25 is not None
        limit = self.settings.topic_word_share
        return frozenset(t for t in tokens_of(text) if self._bm25.share_of_chunks_with(t) <= limit)

    def term_weights(self, text: str) -> dict[str, float]:
        """The corpus IDF of each (stemmed) term of `text`: rare words say more about what is asked."""
        self.refresh()
        assert self._bm25 is not None
        n = len(self._bm25.chunk_ids)
        weights = {}
        for term in set(tokens_of(text)):
            df = self._bm25.doc_freq.get(term, 0)
            weights[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return weights

    def retrieve(
        self, query: str, mode: RetrieverName | None = None, k: int | None = None
    ) -> list[RetrievedChunk]:
        """The best k chunks for `query`, best first, with their dense, BM25 and fused scores."""
        mode = mode or self.settings.retriever
        k = k or self.settings.top_k
        if mode not in RETRIEVERS:
            raise UnknownRetrieverError(f"unknown retriever {mode!r}; choose one of {', '.join(RETRIEVERS)}")
        if mode == "baseline":  # the textbook LangChain pipeline the evaluation compares against
            from advisor.evaluation.baseline import retrieve_baseline

            return retrieve_baseline(self, query)
        self.refresh()
        candidates = max(self.settings.candidate_k, k)
        dense: list[tuple[Chunk, float]] = []
        keyword: list[tuple[Chunk, float]] = []
        if mode == "dense":
            dense = self.dense(query, candidates)
            ranked = [(c, s) for c, s in dense]
        elif mode == "bm25":
            keyword = self.keyword(query, candidates)
            ranked = [(c, s) for c, s in keyword]
        else:
            focused_query = self.focus(query)
            if focused_query != query:
                dense, focused = self.dense_many([query, focused_query], candidates)
            else:
                dense = focused = self.dense(query, candidates)
            keyword = self.keyword(focused_query, candidates)  # topic words would only add noise
            if self.settings.fusion == "rrf":
                ranked = reciprocal_rank_fusion(
                    [dense, focused, keyword], self.settings.rrf_k, self.settings.fusion_weights[:3]
                )
            else:
                ranked = self._weighted_fusion(query, focused_query, [dense, focused], keyword)
        dense_scores = {c.chunk_id: s for c, s in dense}
        bm25_scores = {c.chunk_id: s for c, s in keyword}
        return [
            RetrievedChunk(
                chunk=c,
                score=s,
                dense_score=dense_scores.get(c.chunk_id),
                bm25_score=bm25_scores.get(c.chunk_id),
                rank=r,
            )
            for r, (c, s) in enumerate(ranked[:k], start=1)
        ]

    def _weighted_fusion(
        self,
        query: str,
        focused_query: str,
        dense_lists: list[list[tuple[Chunk, float]]],
        keyword: list[tuple[Chunk, float]],
    ) -> list[tuple[Chunk, float]]:
        """Score fusion over the union of candidates: exact cosines of the query and its focused form, BM25
        scaled to the best keyword match, and the best-matching sentence of each chunk (centred on the
        candidates' mean, so the shared topic does not count). Unlike rank fusion, a weak keyword match
        cannot outvote a strong semantic one, and one precise sentence can lift a long chunk."""
        candidates = {c.chunk_id: c for ranking in [*dense_lists, keyword] for c, _ in ranking}
        vectors = self._chunk_vectors(list(candidates))
        ids = [i for i in candidates if i in vectors]
        if not ids:
            return []
        matrix = np.vstack([vectors[i] for i in ids])
        query_vectors = self.embedder.embed_cached([query, focused_query])
        # Centred on the corpus mean: generic "hub" chunks near the centre stop matching every question.
        centred, centred_queries = (
            _centre(matrix, query_vectors, self._centroid)
            if self.settings.centre_embeddings
            else (matrix, query_vectors)
        )
        cosine, focused_cosine = centred @ centred_queries[0], centred @ centred_queries[1]
        top_bm25 = max((s for _, s in keyword), default=0.0) or 1.0
        bm25 = {c.chunk_id: s / top_bm25 for c, s in keyword}
        chunks = [candidates[i] for i in ids]
        # A small corpus has every heading and sentence pinned at warm-up; on a large one, new sentence and
        # heading embeddings per query are capped and what is not cached counts only within the budget.
        large = len(self._chunks) > self.settings.pin_max_chunks
        budget = [self.settings.evidence_embedding_budget if large else None]
        heading = self._heading_scores(chunks, query_vectors, budget)
        w_dense, w_focused, w_bm25, w_sentence, w_heading = self.settings.fusion_weights
        # A focused query of one or two words ("MBA") has lost what is asked about it: trust it less.
        focus_words = len(focused_query.split())
        if focus_words < self.settings.short_focus_words:
            shift = w_focused * (1 - focus_words / self.settings.short_focus_words)
            w_dense, w_focused = w_dense + shift, w_focused - shift
        base = np.array(
            [
                w_dense * cosine[n]
                + w_focused * focused_cosine[n]
                + w_bm25 * bm25.get(cid, 0.0)
                + w_heading * heading[n]
                for n, cid in enumerate(ids)
            ]
        )
        # Sentence evidence costs an embedding per sentence: only the leading candidates get it (cached after
        # the first time); the others get the lowest sentence score seen, so they cannot overtake on it.
        leading = np.argsort(-base)[: self.settings.sentence_candidates]
        sentence_scores = self._best_sentence_scores([chunks[n] for n in leading], query_vectors, budget)
        sentence = np.full(len(ids), float(sentence_scores.min()) if len(sentence_scores) else 0.0)
        sentence[leading] = sentence_scores
        fused = {cid: float(base[n] + w_sentence * sentence[n]) for n, cid in enumerate(ids)}
        order = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        return [(candidates[cid], float(fused[cid])) for cid in order]

    def _chunk_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Stored chunk embeddings, kept in memory after the first fetch (until the store changes)."""
        with self._lock:
            missing = [i for i in chunk_ids if i not in self._vectors]
        fetched = self.store.chunk_embeddings(missing) if missing else {}
        with self._lock:
            self._vectors.update(fetched)
            found = {i: self._vectors[i] for i in chunk_ids if i in self._vectors}
            for i in chunk_ids:
                if i in self._vectors:
                    self._vectors.move_to_end(i)
            while len(self._vectors) > _VECTOR_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return found

    @staticmethod
    def heading_texts(chunks: list[Chunk]) -> list[str]:
        """The texts whose similarity to the question is a chunk's heading score (to pre-embed them)."""
        return [c.section or c.title for c in chunks]

    def _heading_scores(
        self, chunks: list[Chunk], query_vectors: np.ndarray, budget: list[int | None]
    ) -> np.ndarray:
        """Per chunk, how close its section heading is to the question (headings summarise their section;
        FAQ headings are questions). Chunks under the document title get the title's similarity. A heading
        left out by the embedding `budget` (spent here, shared with sentences) gets the lowest score seen."""
        vectors = self._embed_within(self.heading_texts(chunks), budget)
        scores = (vectors @ query_vectors.T).max(axis=1)
        known = ~np.isnan(scores)
        return np.where(known, scores, scores[known].min() if known.any() else 0.0)

    def _best_sentence_scores(
        self, chunks: list[Chunk], query_vectors: np.ndarray, budget: list[int | None]
    ) -> np.ndarray:
        """Per chunk, the best centred similarity of one of its answer units to the queries (mean of both).
        Units left out by the embedding `budget` do not count; a chunk with none gets the lowest score."""
        owners: list[int] = []
        texts: list[str] = []
        for n, chunk in enumerate(chunks):
            for unit in answer_units(chunk.text, chunk.start):
                owners.append(n)
                texts.append(unit_in_context(unit.text, chunk.section, chunk.title))
        best = np.zeros(len(chunks))
        vectors = self._embed_within(texts, budget)
        known = ~np.isnan(vectors[:, 0])
        if not known.any():
            return best
        units, queries = _centre(vectors[known], query_vectors)
        scores = (units @ queries.T).mean(axis=1)
        best[:] = np.nan
        np.fmax.at(best, np.array(owners)[known], scores)
        return np.where(np.isnan(best), np.nanmin(best), best)

    def _embed_within(self, texts: list[str], budget: list[int | None]) -> np.ndarray:
        """`texts` embedded, at most budget[0] of them new (the earlier ones first; None: no limit); spends
        the budget."""
        vectors, embedded = self.embedder.embed_within(texts, budget[0])
        if budget[0] is not None:
            budget[0] -= embedded
        return vectors


def _centre(
    vectors: np.ndarray, queries: np.ndarray, centre: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Subtract `centre` (default: the vectors' own mean) from vectors and queries, and re-normalise both."""
    mean = vectors.mean(axis=0) if centre is None else centre

    def unit_length(m: np.ndarray) -> np.ndarray:
        m = m - mean
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)

    return unit_length(vectors), unit_length(queries)


def reciprocal_rank_fusion(
    rankings: list[list[tuple[Chunk, float]]], k: int = 60, weights: list[float] | None = None
) -> list[tuple[Chunk, float]]:
    """Fuse ranked lists: each chunk scores the sum of weight / (k + rank) over the lists that hold it."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, (chunk, _) in enumerate(ranking, start=1):
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + weight / (k + rank)
            chunks[chunk.chunk_id] = chunk
    order = sorted(scores, key=lambda cid: scores[cid], reverse=True)
    return [(chunks[cid], scores[cid]) for cid in order]
