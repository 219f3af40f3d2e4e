"""The answerer interface: one required method, `compose`; the base adds streaming and the optional abilities
(condensing follow-ups, health, warm-up) as defaults that a part overrides where it does better."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from advisor.answering.question import QuestionAnalysis
from advisor.answering.situation import Situation
from advisor.models import Citation, RetrievedChunk, Turn

if TYPE_CHECKING:
    from advisor.answering.planning import AnswerPlan


@dataclass
class AnswerRequest:
    """Everything an answerer may use: the question as asked, its standalone form, and the evidence."""

    question: str
    standalone_question: str
    retrieved: list[RetrievedChunk]
    history: list[Turn] = field(default_factory=list)
    is_follow_up: bool = False
    focused_question: str = ""
    subject_terms: frozenset[str] = frozenset()
    """Stemmed terms of the question (as asked, for a follow-up) other than the corpus's topic words."""
    conversation_terms: frozenset[str] = frozenset()
    """The same for the standalone question: for a follow-up, what the conversation is about."""
    term_weights: dict[str, float] = field(default_factory=dict)
    analysis: QuestionAnalysis | None = None
    """The answer type and focus of the question as asked."""
    situation: Situation | None = None
    """What the asker said about themselves in the conversation."""
    unknown_words: tuple[str, ...] = ()
    """Words of the asking clause that no indexed document uses."""
    plan: AnswerPlan | None = None
    """The lead sentence and the coverage, decided before composing (both answerers follow it)."""
    scratch: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    """Work kept for this request only (e.g. sentence scores shared by reranking and composing)."""


@dataclass
class ComposedAnswer:
    text: str
    citations: list[Citation]
    metadata: dict[str, object] = field(default_factory=dict)


class Answerer:
    """Writes a cited answer from retrieved chunks. Subclasses implement `compose`."""

    name: str = ""
    deterministic: bool = False
    """The same question and sources always give the same answer, so finished answers may be cached."""

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        raise NotImplementedError

    def stream(self, request: AnswerRequest) -> Iterator[str | ComposedAnswer]:
        """Text deltas as they are written, then the `ComposedAnswer` (by default: `compose`, then its text
        in word groups). An answer without citations yields no text: the service refuses it."""
        composed = self.compose(request)
        if composed.citations:
            yield from stream_text(composed)
        yield composed

    def condense(self, question: str, history: list[Turn]) -> str:
        """A standalone form of a follow-up question; "" leaves it to the service's heuristic."""
        return ""

    def health(self) -> dict[str, object] | None:
        """The state of what the answerer depends on (e.g. an LLM server), for /readyz; None: nothing."""
        return None

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for."""


def stream_text(answer: ComposedAnswer, piece_words: int = 6) -> Iterator[str]:
    """Split a finished answer into word groups, for answerers that cannot stream natively."""
    words = answer.text.split(" ")
    for i in range(0, len(words), piece_words):
        yield " ".join(words[i : i + piece_words]) + (" " if i + piece_words < len(words) else "")


class UnknownAnswererError(ValueError):
    pass


class AnswererUnavailableError(RuntimeError):
    """An answerer's backend (an LLM server or model) failed and `llm_fallback` is "error".

    The message is safe to show to users (no internal paths); the HTTP API maps it to 503.
    """
