"""Hybrid retrieval: dense search of the question and of its focused form, BM25, and sentence and heading
evidence, fused by weighted scores (or by reciprocal rank)."""

from __future__ import annotations

import numpy as np

from advisor.models import Chunk
from advisor.retrieval.base import Ranking, Retriever, Scored
from advisor.text import answer_units, unit_in_context


class HybridRetriever(Retriever):
    name = "hybrid"

    def rank(self, query: str, candidates: int) -> Ranking:
        tuning = self.settings.tuning
        focused_query = self.index.terms.focus(query)
        if focused_query != query:
            dense, focused = self.index.dense_many([query, focused_query], candidates)
        else:
            dense = focused = self.index.dense(query, candidates)
        keyword = self.index.keyword(focused_query, candidates)  # topic words would only add noise
        if tuning.fusion == "rrf":
            w = tuning.fusion_weights
            ranked = reciprocal_rank_fusion([dense, focused, keyword], tuning.rrf_k,
                                            [w.dense, w.focused, w.bm25])
        else:
            ranked = self._weighted_fusion(query, focused_query, [dense, focused], keyword)
        return Ranking(ranked=ranked, dense=dense, keyword=keyword)

    def _weighted_fusion(self, query: str, focused_query: str, dense_lists: list[Scored],
                         keyword: Scored) -> Scored:
        """Score fusion over the union of candidates: exact cosines of the query and its focused form, BM25
        scaled to the best keyword match, and the best-matching sentence of each chunk (centred on the
        candidates' mean, so the shared topic does not count). Unlike rank fusion, a weak keyword match
        cannot outvote a strong semantic one, and one precise sentence can lift a long chunk."""
        tuning = self.settings.tuning
        candidates = {c.chunk_id: c for ranking in [*dense_lists, keyword] for c, _ in ranking}
        vectors = self.index.chunk_vectors(list(candidates))
        ids = [i for i in candidates if i in vectors]
        if not ids:
            return []
        matrix = np.vstack([vectors[i] for i in ids])
        query_vectors = self.index.embedder.embed_cached([query, focused_query])
        # Centred on the corpus mean: generic "hub" chunks near the centre stop matching every question.
        centred, centred_queries = (
            _centre(matrix, query_vectors, self.index.centroid) if tuning.centre_embeddings
            else (matrix, query_vectors)
        )
        cosine, focused_cosine = centred @ centred_queries[0], centred @ centred_queries[1]
        top_bm25 = max((s for _, s in keyword), default=0.0) or 1.0
        bm25 = {c.chunk_id: s / top_bm25 for c, s in keyword}
        chunks = [candidates[i] for i in ids]
        # A small corpus has every heading and sentence pinned at warm-up; on a large one, new sentence and
        # heading embeddings per query are capped and what is not cached counts only within the budget.
        budget = [self.settings.evidence_embedding_budget if self.index.is_large else None]
        heading = self._heading_scores(chunks, query_vectors, budget)
        w = tuning.fusion_weights
        w_dense, w_focused = w.dense, w.focused
        # A focused query of one or two words ("MBA") has lost what is asked about it: trust it less.
        focus_words = len(focused_query.split())
        if focus_words < tuning.short_focus_words:
            shift = w_focused * (1 - focus_words / tuning.short_focus_words)
            w_dense, w_focused = w_dense + shift, w_focused - shift
        base = np.array([
            w_dense * cosine[n] + w_focused * focused_cosine[n] + w.bm25 * bm25.get(cid, 0.0)
            + w.heading * heading[n]
            for n, cid in enumerate(ids)
        ])
        # Sentence evidence costs an embedding per sentence: only the leading candidates get it (cached after
        # the first time); the others get the lowest sentence score seen, so they cannot overtake on it.
        leading = np.argsort(-base)[: tuning.sentence_candidates]
        sentence_scores = self._best_sentence_scores([chunks[n] for n in leading], query_vectors, budget)
        sentence = np.full(len(ids), float(sentence_scores.min()) if len(sentence_scores) else 0.0)
        sentence[leading] = sentence_scores
        fused = {cid: float(base[n] + w.sentence * sentence[n]) for n, cid in enumerate(ids)}
        order = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        return [(candidates[cid], float(fused[cid])) for cid in order]

    def _heading_scores(self, chunks: list[Chunk], query_vectors: np.ndarray,
                        budget: list[int | None]) -> np.ndarray:
        """Per chunk, how close its section heading is to the question (headings summarise their section;
        FAQ headings are questions). Chunks under the document title get the title's similarity. A heading
        left out by the embedding `budget` (spent here, shared with sentences) gets the lowest score seen."""
        vectors = self._embed_within(self.index.heading_texts(chunks), budget)
        scores = (vectors @ query_vectors.T).max(axis=1)
        known = ~np.isnan(scores)
        return np.where(known, scores, scores[known].min() if known.any() else 0.0)

    def _best_sentence_scores(self, chunks: list[Chunk], query_vectors: np.ndarray,
                              budget: list[int | None]) -> np.ndarray:
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
        vectors, embedded = self.index.embedder.embed_within(texts, budget[0])
        if budget[0] is not None:
            budget[0] -= embedded
        return vectors


def _centre(vectors: np.ndarray, queries: np.ndarray,
            centre: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Subtract `centre` (default: the vectors' own mean) from vectors and queries, and re-normalise both."""
    mean = vectors.mean(axis=0) if centre is None else centre

    def unit_length(m: np.ndarray) -> np.ndarray:
        m = m - mean
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)

    return unit_length(vectors), unit_length(queries)


def reciprocal_rank_fusion(rankings: list[Scored], k: int = 60, weights: list[float] | None = None) -> Scored:
    """Fuse ranked lists: each chunk scores the sum of weight / (k + rank) over the lists that hold it."""
    scores: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, (chunk, _) in enumerate(ranking, start=1):
            scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + weight / (k + rank)
            chunks[chunk.chunk_id] = chunk
    order = sorted(scores, key=lambda cid: scores[cid], reverse=True)
    return [(chunks[cid], scores[cid]) for cid in order]
