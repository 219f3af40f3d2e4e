"""The default answerer: picks the sentences and list items that best answer the question, no LLM.

Each unit is scored by meaning (embedding similarity to the question), by the question's words it
contains, and by the rank of the chunk it came from; units are then picked by maximal marginal
relevance (relevant but not redundant), put in reading order, and cited verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from advisor.answering.base import AnswerRequest, ComposedAnswer, register_answerer
from advisor.models import Chunk, Citation
from advisor.retrieval.bm25_index import tokenize
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.settings import Settings
from advisor.text_units import TextUnit, split_units

_DANGLING_START = re.compile(r"^(this|these|that|those|they|it|such|he|she|both|moreover|also|additionally)\b", re.I)
_MIN_WORDS = 6


@dataclass
class _Candidate:
    unit: TextUnit
    chunk: Chunk
    chunk_rank: int
    score: float = 0.0


class ExtractiveAnswerer:
    """Grounded extractive composer: every sentence of the answer is a quoted, cited source unit."""

    name = "extractive"

    def __init__(self, settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
        self.settings = settings
        self.embedder = embedder

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        candidates = self._candidates(request)
        if not candidates:
            return ComposedAnswer(text="", citations=[])
        chosen = self._select(candidates, request)
        return _write(chosen)

    def units_of(self, chunk: Chunk) -> list[TextUnit]:
        return [u for u in split_units(chunk.text, chunk.start)
                if (u.is_list_item or len(u.text.split()) >= _MIN_WORDS) and not u.text.rstrip().endswith("?")]

    def _candidates(self, request: AnswerRequest) -> list[_Candidate]:
        return [_Candidate(unit, r.chunk, r.rank) for r in request.retrieved for unit in self.units_of(r.chunk)]

    def _select(self, candidates: list[_Candidate], request: AnswerRequest) -> list[_Candidate]:
        texts = [c.unit.text for c in candidates]
        unit_vectors = self.embedder.embed_cached(texts)
        queries = [request.standalone_question]
        if request.is_follow_up:
            queries.append(request.question)
        query_vectors = self.embedder.embed_cached(queries)
        meaning = unit_vectors @ query_vectors[0]
        if request.is_follow_up:  # the new question decides what is asked; the history what it is about
            meaning = 0.35 * meaning + 0.65 * (unit_vectors @ query_vectors[1])
        lexical_query = request.question if request.is_follow_up else request.standalone_question
        words = _overlap(lexical_query, texts)
        ranks = np.array([1.0 / (c.chunk_rank + 1) for c in candidates]) * 2  # 1.0 for the best chunk
        scores = 0.6 * meaning + 0.25 * words + 0.15 * ranks
        scores -= np.array([0.05 if _DANGLING_START.match(t) else 0.0 for t in texts])
        for candidate, score in zip(candidates, scores, strict=True):
            candidate.score = float(score)

        best = float(scores.max())
        floor = best * 0.8
        similarity = unit_vectors @ unit_vectors.T
        picked: list[int] = []
        words_used = 0
        remaining = set(range(len(candidates)))
        while remaining and len(picked) < self.settings.max_answer_units:
            def mmr(i: int) -> float:
                redundancy = max((similarity[i, j] for j in picked), default=0.0)
                return 0.75 * scores[i] - 0.25 * redundancy

            i = max(remaining, key=mmr)
            remaining.discard(i)
            if scores[i] < floor or any(similarity[i, j] > 0.85 for j in picked):
                continue
            length = len(texts[i].split())
            if picked and words_used + length > self.settings.max_answer_words:
                continue
            picked.append(i)
            words_used += length
        return [candidates[i] for i in picked]


def _overlap(query: str, texts: list[str]) -> np.ndarray:
    """Share of the query's distinct (stemmed, stop-word-free) terms found in each text."""
    tokenized = tokenize([query, *texts])
    query_terms = set(tokenized[0])
    if not query_terms:
        return np.zeros(len(texts))
    return np.array([len(query_terms & set(t)) / len(query_terms) for t in tokenized[1:]])


def _write(chosen: list[_Candidate]) -> ComposedAnswer:
    """Reading order (documents in order of their best unit, units in document order), one citation per
    run of adjacent units from the same chunk, list items as bullets."""
    if not chosen:
        return ComposedAnswer(text="", citations=[])
    doc_order: dict[str, float] = {}
    for c in sorted(chosen, key=lambda c: -c.score):
        doc_order.setdefault(c.chunk.doc_id, len(doc_order))
    ordered = sorted(chosen, key=lambda c: (doc_order[c.chunk.doc_id], c.unit.start))

    runs: list[list[_Candidate]] = []
    for c in ordered:
        last = runs[-1][-1] if runs else None
        if (last is not None and last.chunk.chunk_id == c.chunk.chunk_id and not c.unit.is_list_item
                and not last.unit.is_list_item and c.chunk.text[last.unit.end - c.chunk.start : c.unit.start
                                                                 - c.chunk.start].strip() == ""):
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
        citations.append(Citation(n=n, doc_id=chunk.doc_id, title=chunk.title, section=chunk.section,
                                  snippet=snippet, start=start, end=end, chunk_id=chunk.chunk_id, page=chunk.page))
        sentence = f"{' '.join(snippet.split())} [{n}]"
        if run[0].unit.is_list_item:
            paragraphs.append(f"- {sentence}")
        elif paragraphs and current_doc == chunk.doc_id and not paragraphs[-1].startswith("- "):
            paragraphs[-1] += f" {sentence}"
        else:
            paragraphs.append(sentence)
        current_doc = chunk.doc_id
    text = "\n\n".join(_join_bullets(paragraphs))
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
