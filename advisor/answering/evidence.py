"""How well each sentence or list item of the retrieved chunks answers the question.

Each unit is scored by meaning (embedding similarity to the question, under its heading and on its own), by
the question's words it contains, and by its substance. The extractive answerer composes from these scores,
and the service reranks sources by each chunk's best unit (max-passage evidence); both read the same scores,
kept on the request, so nothing is scored twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from advisor.answering.base import AnswerRequest
from advisor.ingestion.roles import UnitRole, decode_roles, unit_roles
from advisor.models import Chunk
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.text import TextUnit, answer_units, tokens_of, unit_in_context
from advisor.tuning import Tuning

_DANGLING_START = re.compile(
    r"^(this|these|that|those|they|it|such|he|she|both|moreover|also|additionally)\b", re.I
)
_PRONOUN_START = re.compile(r"^(?:this|these|that|those|they|their|it|its|such|he|she|both)\b", re.I)


@dataclass
class Candidate:
    """A unit that may stand in the answer, with the chunk it comes from, where that chunk ranked, and the
    unit's role in its document (decided at ingest)."""

    unit: TextUnit
    chunk: Chunk
    chunk_rank: int
    score: float = 0.0
    role: str = "statement"
    dangling: bool = False

    @property
    def in_context(self) -> str:
        return unit_in_context(self.unit.text, self.chunk.section, self.chunk.title)

    @property
    def needs_antecedent(self) -> bool:
        """Whether the unit cannot be read without the sentence before it: it points back with its subject
        ("They must also…", "These roles…"). A connective ("Alternatively, the MHA…") carries its own."""
        return self.dangling and bool(_PRONOUN_START.match(self.unit.text))


def candidates_of(request: AnswerRequest) -> list[Candidate]:
    """Every answer unit of the retrieved chunks that may be quoted (filler and planted instructions never
    are). A chunk that continues a hit (its list, its example) is read as part of that hit."""
    found: list[Candidate] = []
    for r in request.retrieved:
        roles = roles_of(r.chunk)
        for unit in answer_units(r.chunk.text, r.chunk.start):
            role = roles.get(unit.start)
            candidate = Candidate(unit, r.chunk, r.reading_rank)
            if role is not None:
                candidate.role, candidate.dangling = role.role, role.dangling
            if candidate.role not in UNQUOTABLE:
                found.append(candidate)
    return found


UNQUOTABLE = frozenset({"filler", "instruction"})


def roles_of(chunk: Chunk) -> dict[int, UnitRole]:
    """The chunk's sentence roles by start offset: as stored at ingest, or worked out now for a chunk indexed
    before roles were stored."""
    return _roles(chunk.roles, chunk.text, chunk.start, chunk.section, chunk.title)


@lru_cache(maxsize=16_384)
def _roles(encoded: str, text: str, start: int, section: str, title: str) -> dict[int, UnitRole]:
    roles = None
    if encoded:
        try:
            roles = decode_roles(encoded)
        except ValueError:
            roles = None
    if roles is None:
        roles = unit_roles(text, start, section, title)
    return {r.start: r for r in roles}


def scored_texts(chunks: list[Chunk]) -> list[str]:
    """The texts scoring embeds for these chunks' units (to pre-compute them at warm-up)."""
    units = [Candidate(u, c, 0) for c in chunks for u in answer_units(c.text, c.start)]
    return [*(u.in_context for u in units), *(u.unit.text for u in units)]


class SentenceScorer:
    """Scores candidate units against a request's question."""

    def __init__(self, tuning: Tuning, embedder: SentenceTransformerEmbedder) -> None:
        self.tuning = tuning
        self.embedder = embedder

    def relevance(self, candidates: list[Candidate], request: AnswerRequest) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's relevance to the question (chunk rank aside), and the units' pairwise similarity
        (how much one would repeat another). Kept on the request: reranking and composing share it."""
        key = tuple((c.chunk.chunk_id, c.unit.start) for c in candidates)
        if key in request.scratch:
            return request.scratch[key]  # type: ignore[return-value]
        unit_vectors = self.embedder.embed_cached([c.in_context for c in candidates])
        # A short sentence embedded with its heading is mostly the heading: its own words count too.
        own_vectors = self.embedder.embed_cached([c.unit.text for c in candidates])
        asked = request.question if request.is_follow_up else request.standalone_question
        # The standalone question says what the conversation is about; the question as asked (for a follow-up)
        # and its focused form (topic words removed) say what is being asked now.
        queries = self.embedder.embed_cached(
            [request.standalone_question, asked, request.focused_question or asked]
        )
        mix = self.tuning.query_mix
        query_mix = np.array([mix.standalone, mix.asked, mix.focused])
        meaning = _projection(unit_vectors, queries) @ query_mix
        own_meaning = _projection(own_vectors, queries) @ query_mix
        words = word_overlap(asked, [c.in_context for c in candidates], request.term_weights)
        substance = np.array([min(len(c.unit.text.split()), 30) / 30 for c in candidates])
        w = self.tuning.unit_weights
        relevance = (w.meaning * meaning + w.own_meaning * own_meaning + w.words * words
                     + w.substance * substance)
        dangling = np.array([bool(_DANGLING_START.match(c.unit.text)) for c in candidates], dtype=float)
        relevance -= self.tuning.dangling_penalty * dangling
        request.scratch[key] = result = (relevance, unit_vectors @ unit_vectors.T)
        return result

    def scores(self, candidates: list[Candidate], request: AnswerRequest) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's relevance plus the rank of its chunk (set on the candidates too), and the units'
        pairwise similarity."""
        relevance, similarity = self.relevance(candidates, request)
        ranks = np.array([2.0 / (c.chunk_rank + 1) for c in candidates])  # 1.0 for the best chunk
        scores = relevance + self.tuning.unit_weights.rank * ranks
        for candidate, score in zip(candidates, scores, strict=True):
            candidate.score = float(score)
        return scores, similarity

    def chunk_evidence(self, request: AnswerRequest) -> dict[str, float]:
        """Each retrieved chunk's best unit score, rank left out (max-passage evidence, for reranking)."""
        candidates = candidates_of(request)
        if not candidates:
            return {}
        relevance, _ = self.relevance(candidates, request)
        evidence: dict[str, float] = {}
        for candidate, score in zip(candidates, relevance, strict=True):
            chunk_id = candidate.chunk.chunk_id
            evidence[chunk_id] = max(evidence.get(chunk_id, float(score)), float(score))
        return evidence


def _projection(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each vector's projection on each query's direction, measured from the vectors' mean: what all the
    candidates share (the corpus topic) is not relevance, and a generic sentence has little left to match."""
    mean = vectors.mean(axis=0, keepdims=True)
    directions = queries - mean
    directions /= np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-9)
    return (vectors - mean) @ directions.T


def word_overlap(query: str, texts: list[str], term_weights: dict[str, float]) -> np.ndarray:
    """IDF-weighted share of the query's (stemmed, stop-word-free) terms found in each text.

    Weights are the corpus IDF when given (topic words weigh little); otherwise IDF over the texts themselves.
    """
    query_terms = set(tokens_of(query))
    unit_terms = [set(tokens_of(text)) for text in texts]
    if not query_terms or not unit_terms:
        return np.zeros(len(texts))
    n = len(unit_terms)
    fallback = max(term_weights.values(), default=0.0)
    idf = {
        t: term_weights.get(t, fallback)
        if term_weights
        else float(np.log((n + 1) / (sum(t in u for u in unit_terms) + 0.5)))
        for t in query_terms
    }
    total = sum(idf.values()) or 1.0
    return np.array([sum(idf[t] for t in query_terms & u) / total for u in unit_terms])
