"""The default answerer: quotes the sentences and list items that best answer the question, no LLM.

It follows the answer plan (`planning`): the lead sentence first, then the best supporting units picked by
maximal marginal relevance (relevant but not redundant), each cited verbatim (`writing`). When the articles do
not cover what is asked, the answer says so first and offers the closest points as related.
"""

from __future__ import annotations

import numpy as np

from advisor.answering.base import Answerer, AnswerRequest, ComposedAnswer
from advisor.answering.evidence import Candidate, SentenceScorer, candidates_of
from advisor.answering.planning import AnswerPlan, plan_answer
from advisor.answering.question import analyse
from advisor.answering.writing import follows_directly, write_answer
from advisor.prompts import load_prompt
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.settings import Settings
from advisor.tuning import Tuning

_RELATED_UNITS = 4  # at most this many related points when the focus is not covered


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
        scores, similarity = self.scorer.scores(candidates, request)
        plan = request.plan or plan_answer(request, candidates, scores,
                                           request.analysis or analyse(request.question), request.situation,
                                           self.tuning)
        if plan.figure_required or plan.coverage == "none":
            return ComposedAnswer(text="", citations=[], metadata={"coverage": "none"})
        limit = _RELATED_UNITS if plan.coverage == "partial" else self.tuning.max_answer_units
        chosen = self._select(candidates, scores, similarity, plan, limit)
        if not chosen:
            return ComposedAnswer(text="", citations=[], metadata={"coverage": "none"})
        leading = chosen[: self._leading] if plan.lead is not None else []
        composed = write_answer(chosen, leading=leading, preface=self._preface(plan))
        composed.metadata["coverage"] = plan.coverage
        return composed

    def _preface(self, plan: AnswerPlan) -> str:
        """The answer's first words when they are not a quote: what is not covered, or the asker's situation
        beside the articles' requirement (cited to the lead)."""
        if plan.coverage == "partial":
            return load_prompt("not_covered", self.settings.prompts_dir).format(focus=plan.uncovered)
        return plan.situation_note

    def _select(self, candidates: list[Candidate], scores: np.ndarray, similarity: np.ndarray,
                plan: AnswerPlan, limit: int) -> list[Candidate]:
        """The units of the answer: the plan's lead and the units that must follow it first, then the best
        of the rest."""
        tuning = self.tuning
        floor = float(scores.max()) * tuning.unit_floor
        picked = _Picked(candidates, similarity, tuning, limit)
        remaining = np.ones(len(candidates), dtype=bool)
        forced = [i for i in ([plan.lead] if plan.lead is not None else []) + plan.follow]
        self._leading = 0
        while remaining.any() and len(picked) < limit:
            planned = bool(forced)
            if forced:
                i = forced.pop(0)
            else:
                self._leading = self._leading or len(picked)
                # maximal marginal relevance: relevant, and not a repeat of what is picked
                marginal = tuning.mmr_relevance * scores - (1 - tuning.mmr_relevance) * picked.redundancy
                i = int(np.argmax(np.where(remaining, marginal, -np.inf)))
                if scores[i] < floor:
                    remaining[i] = False
                    continue
            remaining[i] = False
            if not self._take_with_antecedent(i, candidates, picked, remaining, planned):
                continue
            # A sentence is often followed by the example or detail that makes it useful: keep reading.
            following = i + 1
            if (
                following < len(candidates)
                and follows_directly(candidates[i], candidates[following])
                and (scores[following] >= floor * tuning.continuation_floor or candidates[following].dangling)
                and len(picked) < limit
            ):
                picked.take(following, continuing=True)
                remaining[following] = False
        self._leading = self._leading or len(picked)
        return [candidates[i] for i in picked.order]

    @staticmethod
    def _take_with_antecedent(i: int, candidates: list[Candidate], picked: _Picked, remaining: np.ndarray,
                              planned: bool = False) -> bool:
        """Take unit `i`; a sentence that points back ("They must also...") comes with the one before it, and
        one that cannot be read without it (the sentence before is in another chunk, or is no answer unit) is
        not quoted at all, unless the plan put it there."""
        if not candidates[i].dangling:
            return picked.take(i)
        before = i - 1
        if before >= 0 and follows_directly(candidates[before], candidates[i]):
            if before in picked.order:
                return picked.take(i, continuing=True)
            remaining[before] = False
            # the sentence before may point back too: it then brings its own
            taken = ExtractiveAnswerer._take_with_antecedent(before, candidates, picked, remaining, planned)
            return taken and picked.take(i, continuing=True)
        return (planned or not candidates[i].needs_antecedent) and picked.take(i)


class _Picked:
    """The units picked so far, within the answer's limits, and how much each candidate would repeat them."""

    def __init__(self, candidates: list[Candidate], similarity: np.ndarray, tuning: Tuning,
                 limit: int) -> None:
        self.candidates = candidates
        self.similarity = similarity
        self.tuning = tuning
        self.limit = limit
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
            or len(self.order) >= self.limit
            or same_chunk >= self.tuning.max_units_per_chunk
            or (not continuing and self._redundancy[i] > self.tuning.redundancy_limit)
            or (self.order and self.words + length > self.tuning.max_answer_words)
        ):
            return False
        self.order.append(i)
        self.words += length
        self._redundancy = np.maximum(self._redundancy, self.similarity[i])
        return True
