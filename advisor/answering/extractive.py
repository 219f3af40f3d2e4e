"""The default answerer: picks the sentences and list items that best answer the question, no LLM.

Each unit is scored by meaning (embedding similarity to the question), by the question's words it
contains, and by the rank of the chunk it came from; units are then picked by maximal marginal
relevance (relevant but not redundant), put in reading order, and cited verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from advisor.answering.answer_type import expected_quantity, states_quantity
from advisor.answering.base import AnswerRequest, ComposedAnswer, register_answerer
from advisor.answering.safety import corpus_urls, strip_unsafe_markup
from advisor.models import Chunk, Citation
from advisor.retrieval.bm25_index import tokens_of
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.settings import Settings
from advisor.text_units import TextUnit, answer_units, unit_in_context

_DANGLING_START = re.compile(
    r"^(this|these|that|those|they|it|such|he|she|both|moreover|also|additionally)\b", re.I
)


@dataclass
class _Candidate:
    unit: TextUnit
    chunk: Chunk
    chunk_rank: int
    score: float = 0.0


class ExtractiveAnswerer:
    """Grounded extractive composer: every sentence of the answer is a quoted, cited source unit."""

    name = "extractive"
    deterministic = True  # the same question and sources always give the same answer: it may be cached

    def __init__(self, settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
        self.settings = settings
        self.embedder = embedder

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        candidates = self._candidates(request)
        if not candidates:
            return ComposedAnswer(text="", citations=[])
        stating: list[int] = []
        expected = expected_quantity(request.question)
        if expected is not None:  # "how much does X cost?": a sentence giving X's cost, or no answer at all
            specific = request.subject_terms
            if expected.refers_back and request.is_follow_up:
                # "how much does it cost?": the figure must be of what the conversation was about
                specific = request.conversation_terms - set(tokens_of(request.question))
                expected = replace(expected, about=tuple(request.standalone_question.lower().split()))
            stating = [
                i for i, c in enumerate(candidates) if states_quantity(expected, c.unit.text, specific)
            ]
            if not stating and expected.sole:
                return ComposedAnswer(text="", citations=[])
        chosen = self._select(candidates, request, must_include=stating)
        return _write(chosen, lead=chosen[0] if stating else None)

    def chunk_evidence(self, request: AnswerRequest) -> dict[str, float]:
        """Each retrieved chunk's best sentence score, rank left out (max-passage evidence, for reranking)."""
        candidates = self._candidates(request)
        if not candidates:
            return {}
        relevance, _ = self._relevance(candidates, request)
        evidence: dict[str, float] = {}
        for candidate, score in zip(candidates, relevance, strict=True):
            chunk_id = candidate.chunk.chunk_id
            evidence[chunk_id] = max(evidence.get(chunk_id, float(score)), float(score))
        return evidence

    def units_of(self, chunk: Chunk) -> tuple[TextUnit, ...]:
        return answer_units(chunk.text, chunk.start)

    def scored_texts(self, chunks: list[Chunk]) -> list[str]:
        """The texts `compose` embeds for these chunks' units (to pre-compute them at warm-up)."""
        units = [_Candidate(u, c, 0) for c in chunks for u in self.units_of(c)]
        return [*(_in_context(u) for u in units), *(u.unit.text for u in units)]

    def _candidates(self, request: AnswerRequest) -> list[_Candidate]:
        # A chunk that continues a hit (its list, its example) is read as part of that hit.
        return [
            _Candidate(unit, r.chunk, r.reading_rank)
            for r in request.retrieved
            for unit in self.units_of(r.chunk)
        ]

    def _select(
        self, candidates: list[_Candidate], request: AnswerRequest, must_include: list[int] | None = None
    ) -> list[_Candidate]:
        """The units of the answer; when `must_include` is given, the best of those units leads it."""
        scores, similarity = self._score(candidates, request)
        texts = [c.unit.text for c in candidates]
        best = float(scores.max())
        floor = best * self.settings.unit_floor
        picked: list[int] = []
        words_used = 0
        # Each unit's highest similarity to a picked one (how much it would repeat the answer so far).
        redundancy = np.full(len(candidates), -np.inf)

        def take(i: int, continuing: bool = False) -> bool:
            nonlocal words_used, redundancy
            length = len(texts[i].split())
            same_chunk = sum(candidates[j].chunk.chunk_id == candidates[i].chunk.chunk_id for j in picked)
            if (
                i in picked
                or same_chunk >= self.settings.max_units_per_chunk
                # units are embedded with their heading, so a paragraph's sentences look alike: the next
                # sentence of a picked one is never a repeat of it
                or (not continuing and redundancy[i] > 0.85)
                or (picked and words_used + length > self.settings.max_answer_words)
            ):
                return False
            picked.append(i)
            words_used += length
            redundancy = np.maximum(redundancy, similarity[i])
            return True

        remaining = np.ones(len(candidates), dtype=bool)
        lead = max(must_include, key=lambda i: scores[i]) if must_include else None
        while remaining.any() and len(picked) < self.settings.max_answer_units:
            # maximal marginal relevance: relevant, and not a repeat of what is picked
            marginal = 0.75 * scores - 0.25 * (redundancy if picked else 0.0)
            i = int(np.argmax(np.where(remaining, marginal, -np.inf))) if lead is None else lead
            remaining[i] = False
            led, lead = i == lead, None
            if (not led and scores[i] < floor) or not take(i):
                continue
            # A sentence is often followed by the example or detail that makes it useful: keep reading.
            following = i + 1
            if (
                following < len(candidates)
                and _continues(candidates[i], candidates[following])
                and scores[following] >= floor * self.settings.continuation_floor
                and len(picked) < self.settings.max_answer_units
            ):
                take(following, continuing=True)
                remaining[following] = False
        return [candidates[i] for i in picked]

    def _score(self, candidates: list[_Candidate], request: AnswerRequest) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's relevance with its chunk's rank, and the units' pairwise similarity (redundancy)."""
        relevance, similarity = self._relevance(candidates, request)
        ranks = np.array([_rank_score(c.chunk_rank) for c in candidates])
        scores = relevance + self.settings.unit_score_weights[3] * ranks
        for candidate, score in zip(candidates, scores, strict=True):
            candidate.score = float(score)
        return scores, similarity

    def _relevance(
        self, candidates: list[_Candidate], request: AnswerRequest
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's relevance to the question, rank aside (kept on the request: reranking and composing
        the same candidates score them once)."""
        key = tuple((c.chunk.chunk_id, c.unit.start) for c in candidates)
        if key in request.scratch:
            return request.scratch[key]  # type: ignore[return-value]
        in_context = [_in_context(c) for c in candidates]
        unit_vectors = self.embedder.embed_cached(in_context)
        # A short sentence embedded with its heading is mostly the heading: its own words count too.
        own_vectors = self.embedder.embed_cached([c.unit.text for c in candidates])
        asked = request.question if request.is_follow_up else request.standalone_question
        # The standalone question says what the conversation is about; the question as asked (for a follow-up)
        # and its focused form (topic words removed) say what is being asked now.
        queries = self.embedder.embed_cached(
            [request.standalone_question, asked, request.focused_question or asked]
        )
        # Measured from the candidates' mean: what they all share (the corpus topic) is not relevance, and a
        # generic sentence, close to that mean, has little left to match with.
        query_mix = np.array([0.3, 0.2, 0.5])
        meaning = _projection(unit_vectors, queries) @ query_mix
        own_meaning = _projection(own_vectors, queries) @ query_mix
        words = _overlap(asked, in_context, request.term_weights)
        substance = np.array([min(len(c.unit.text.split()), 30) / 30 for c in candidates])
        w_meaning, w_own, w_words, _, w_substance = self.settings.unit_score_weights
        relevance = w_meaning * meaning + w_own * own_meaning + w_words * words + w_substance * substance
        relevance -= np.array([0.05 if _DANGLING_START.match(c.unit.text) else 0.0 for c in candidates])
        request.scratch[key] = result = (relevance, unit_vectors @ unit_vectors.T)
        return result


def _projection(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each vector's projection on each query's direction, measured from the vectors' mean: what all the
    candidates share (the corpus topic) is not relevance, and a generic sentence has little left to match."""
    mean = vectors.mean(axis=0, keepdims=True)
    directions = queries - mean
    directions /= np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-9)
    return (vectors - mean) @ directions.T


def _rank_score(chunk_rank: int) -> float:
    return 2.0 / (chunk_rank + 1)  # 1.0 for the best chunk


def _continues(first: _Candidate, second: _Candidate) -> bool:
    """Whether `second` is the very next sentence of the same paragraph as `first`."""
    if first.chunk.chunk_id != second.chunk.chunk_id or first.unit.is_list_item or second.unit.is_list_item:
        return False
    gap = first.chunk.text[first.unit.end - first.chunk.start : second.unit.start - first.chunk.start]
    return gap.strip() == "" and "\n\n" not in gap


def _in_context(candidate: _Candidate) -> str:
    return unit_in_context(candidate.unit.text, candidate.chunk.section, candidate.chunk.title)


def _overlap(query: str, texts: list[str], term_weights: dict[str, float]) -> np.ndarray:
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


def _write(chosen: list[_Candidate], lead: _Candidate | None = None) -> ComposedAnswer:
    """Reading order (documents in order of their best unit, the `lead` unit's first; units in document
    order), one citation per run of adjacent units from the same chunk, list items as bullets."""
    if not chosen:
        return ComposedAnswer(text="", citations=[])
    doc_order: dict[str, float] = {}
    for c in sorted(chosen, key=lambda c: (c is not lead, -c.score)):
        doc_order.setdefault(c.chunk.doc_id, len(doc_order))
    ordered = sorted(chosen, key=lambda c: (doc_order[c.chunk.doc_id], c.unit.start))

    runs: list[list[_Candidate]] = []
    for c in ordered:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and last.chunk.chunk_id == c.chunk.chunk_id
            and not c.unit.is_list_item
            and not last.unit.is_list_item
            and c.chunk.text[last.unit.end - c.chunk.start : c.unit.start - c.chunk.start].strip() == ""
        ):
            runs[-1].append(c)
        else:
            runs.append([c])

    citations: list[Citation] = []
    paragraphs: list[str] = []
    current_doc = None
    for n, run in enumerate(runs, start=1):
        chunk = run[0].chunk
        start, end = run[0].unit.start, run[-1].unit.end
        snippet = chunk.text[start - chunk.start : end - chunk.start]
        citations.append(
            Citation(
                n=n,
                doc_id=chunk.doc_id,
                title=chunk.title,
                section=chunk.section,
                snippet=snippet,
                start=start,
                end=end,
                chunk_id=chunk.chunk_id,
                page=chunk.page,
            )
        )
        sentence = f"{' '.join(snippet.split())} [{n}]"
        if run[0].unit.is_list_item:
            paragraphs.append(f"- {sentence}")
        elif paragraphs and current_doc == chunk.doc_id and not paragraphs[-1].startswith("- "):
            paragraphs[-1] += f" {sentence}"
        else:
            paragraphs.append(sentence)
        current_doc = chunk.doc_id
    text = "\n\n".join(_join_bullets(paragraphs))
    # Quoted documents may carry images, HTML or tracking links (an injected document, say): the answer text
    # keeps only links that appear in the cited text without query strings; snippets stay verbatim.
    text = strip_unsafe_markup(text, corpus_urls(c.chunk.text for c in chosen))
    return ComposedAnswer(text=text, citations=citations)


def _join_bullets(paragraphs: list[str]) -> list[str]:
    """Consecutive bullet lines form one list block."""
    blocks: list[str] = []
    for p in paragraphs:
        if p.startswith("- ") and blocks and blocks[-1].startswith("- "):
            blocks[-1] += f"\n{p}"
        else:
            blocks.append(p)
    return blocks


register_answerer("extractive", ExtractiveAnswerer)
