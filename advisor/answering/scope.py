"""Scope guard: decides, before and after retrieval, whether a question is one the documents can answer.

Two signals, both set on questions (the evaluation set and the held-out `evals/calibration.jsonl`) rather
than on phrasings:
- intent: the question's nearest labelled exemplars (career, clinical, injection, off-topic);
- coverage: how similar the best retrieved chunk is to the question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from advisor.models import RefusalReason
from advisor.resources import read_resource
from advisor.retrieval.embeddings import SentenceTransformerEmbedder

_NEIGHBOURS = 3


@dataclass(frozen=True)
class ScopeDecision:
    reason: RefusalReason | None
    label: str
    margin: float


def load_exemplars() -> list[tuple[str, str]]:
    """(label, text) pairs shipped with the package."""
    text = read_resource("scope_exemplars.jsonl")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [(str(r["label"]), str(r["text"])) for r in rows]


class ScopeGuard:
    """Classifies a question's intent by its nearest exemplars, and checks retrieval coverage."""

    def __init__(
        self, embedder: SentenceTransformerEmbedder, relevance_threshold: float, margin: float
    ) -> None:
        self.embedder = embedder
        self.relevance_threshold = relevance_threshold
        self.margin = margin
        self._rows: dict[str, np.ndarray] = {}  # per label, the rows of its exemplars
        self._vectors: np.ndarray | None = None

    @staticmethod
    def exemplar_texts() -> list[str]:
        return [text for _, text in load_exemplars()]

    def _load(self) -> None:
        if self._vectors is None:
            exemplars = load_exemplars()
            labels = [label for label, _ in exemplars]
            self._rows = {label: np.array([n for n, lab in enumerate(labels) if lab == label])
                          for label in dict.fromkeys(labels)}
            self._vectors = self.embedder.embed_cached([text for _, text in exemplars])

    def label_scores(self, question: str) -> dict[str, float]:
        """Per label, the mean similarity of the question to its closest exemplars."""
        self._load()
        assert self._vectors is not None
        sims = self._vectors @ self.embedder.embed_cached([question])[0]
        return {label: float(np.sort(sims[rows])[-_NEIGHBOURS:].mean()) for label, rows in self._rows.items()}

    def check_intent(self, question: str) -> ScopeDecision:
        """Refuse clinical questions and attempts to change the rules; off-topic is left to coverage."""
        scores = self.label_scores(question)
        label = max(scores, key=lambda lab: scores[lab])
        margin = scores[label] - scores["career"]
        if label == "clinical" and margin > self.margin:
            return ScopeDecision("clinical", label, margin)
        if label == "injection" and margin > self.margin:
            return ScopeDecision("injection", label, margin)
        if label == "off_topic" and margin > self.margin:
            return ScopeDecision("out_of_scope", label, margin)
        return ScopeDecision(None, label, margin)

    def is_covered(self, best_similarity: float | None) -> bool:
        """Whether the best retrieved chunk is close enough to the question to answer from."""
        return best_similarity is not None and best_similarity >= self.relevance_threshold
