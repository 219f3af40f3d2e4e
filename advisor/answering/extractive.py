"""The default answerer: picks the sentences and list items that best answer the question, no LLM.

Units are scored (`evidence.SentenceScorer`) with the rank of the chunk they came from, picked by maximal
marginal relevance (relevant but not redundant), put in reading order and cited verbatim (`writing`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from advisor.answering.answer_type import expected_quantity, states_quantity
from advisor.answering.base import Answerer, AnswerRequest, ComposedAnswer
from advisor.answering.evidence import Candidate, SentenceScorer, candidates_of
from advisor.answering.writing import follows_directly, write_answer
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.settings import Settings
from advisor.text import tokens_of
from advisor.tuning import Tuning


class ExtractiveAnswerer(Answerer):
    """Grounded extractive composer: every sentence of the answer is a quoted, cited source unit."""

    name = "extractive"
    deterministic = True

    def __init__(self, settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
        self.settings = settings
        self.tuning = settings.tuning
        self.scorer = SentenceScorer(settings.tuning, embedder)

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        candidates = candidates_of(request)
        if not candidates:
            return ComposedAnswer(text="", citations=[])
        stating = self._stating_the_figure(candidates, request)
        if stating is None:
            return ComposedAnswer(text="", citations=[])
        chosen = self._select(candidates, request, must_include=stating)
        return write_answer(chosen, lead=chosen[0] if stating else None)

    def _stating_the_figure(self, candidates: list[Candidate], request: AnswerRequest) -> list[int] | None:
        """For "how much does X cost?", the units giving X's cost (they lead the answer); None when no unit
        does and the question asks nothing else (no answer at all); [] for a question asking no figure."""
        expected = expected_quantity(request.question)
        if expected is None:
            return []
        specific = request.subject_terms
        if expected.refers_back and request.is_follow_up:
            # "how much does it cost?": the figure must be of what the conversation was about
            specific = request.conversation_terms - set(tokens_of(request.question))
            expected = replace(expected, about=tuple(request.standalone_question.lower().split()))
        stating = [i for i, c in enumerate(candidates) if states_quantity(expected, c.unit.text, specific)]
        return None if not stating and expected.sole else stating

    def _select(self, candidates: list[Candidate], request: AnswerRequest,
                must_include: list[int] | None = None) -> list[Candidate]:
        """The units of the answer; when `must_include` is given, the best of those units leads it."""
        tuning = self.tuning
        scores, similarity = self._score(candidates, request)
        floor = float(scores.max()) * tuning.unit_floor
        picked = _Picked(candidates, similarity, tuning)
        remaining = np.ones(len(candidates), dtype=bool)
        lead = max(must_include, key=lambda i: scores[i]) if must_include else None
        while remaining.any() and len(picked) < tuning.max_answer_units:
            # maximal marginal relevance: relevant, and not a repeat of what is picked
            marginal = tuning.mmr_relevance * scores - (1 - tuning.mmr_relevance) * picked.redundancy
            i = int(np.argmax(np.where(remaining, marginal, -np.inf))) if lead is None else lead
            remaining[i] = False
            led, lead = i == lead, None
            if (not led and scores[i] < floor) or not picked.take(i):
                continue
            # A sentence is often followed by the example or detail that makes it useful: keep reading.
            following = i + 1
            if (
                following < len(candidates)
                and follows_directly(candidates[i], candidates[following])
                and scores[following] >= floor * tuning.continuation_floor
                and len(picked) < tuning.max_answer_units
            ):
                picked.take(following, continuing=True)
                remaining[following] = False
        return [candidates[i] for i in picked.order]

    def _score(self, candidates: list[Candidate], request: AnswerRequest) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's relevance with its chunk's rank, and the units' pairwise similarity (redundancy)."""
        relevance, similarity = self.scorer.relevance(candidates, request)
        ranks = np.array([2.0 / (c.chunk_rank + 1) for c in candidates])  # 1.0 for the best chunk
        scores = relevance + self.tuning.unit_weights.rank * ranks
        for candidate, score in zip(candidates, scores, strict=True):
            candidate.score = float(score)
        return scores, similarity


class _Picked:
    """The units picked so far, within the answer's limits, and how much each candidate would repeat them."""

    def __init__(self, candidates: list[Candidate], similarity: np.ndarray, tuning: Tuning) -> None:
        self.candidates = candidates
        self.similarity = similarity
        self.tuning = tuning
        self.order: list[int] = []
        self.words = 0
        self._redundancy = np.full(len(candidates), -np.inf)

    def __len__(self) -> int:
        return len(self.order)

    @property
    def redundancy(self) -> np.ndarray | float:
        """Each unit's highest similarity to a picked one (0 while none is picked)."""
        return self._redundancy if self.order else 0.0

    def take(self, i: int, continuing: bool = False) -> bool:
        """Pick unit `i` unless it is picked, its chunk has given enough, it repeats the answer (units are
        embedded with their heading, so the next sentence of a picked one is never a repeat of it), or it
        would make the answer too long."""
        length = len(self.candidates[i].unit.text.split())
        chunk_id = self.candidates[i].chunk.chunk_id
        same_chunk = sum(self.candidates[j].chunk.chunk_id == chunk_id for j in self.order)
        if (
            i in self.order
            or same_chunk >= self.tuning.max_units_per_chunk
            or (not continuing and self._redundancy[i] > self.tuning.redundancy_limit)
            or (self.order and self.words + length > self.tuning.max_answer_words)
        ):
            return False
        self.order.append(i)
        self.words += length
        self._redundancy = np.maximum(self._redundancy, self.similarity[i])
        return True
