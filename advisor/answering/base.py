"""The answerer interface and its registry: built-ins register the way an outside plugin would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from advisor.models import Citation, RetrievedChunk, Turn

if TYPE_CHECKING:
    from advisor.retrieval.embeddings import SentenceTransformerEmbedder
    from advisor.settings import Settings


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
    scratch: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    """Work an answerer may keep for this request only (e.g. sentence scores shared by reranking)."""


@dataclass
class ComposedAnswer:
    text: str
    citations: list[Citation]
    metadata: dict[str, object] = field(default_factory=dict)


class Answerer(Protocol):
    """Writes a cited answer from retrieved chunks.

    Optional extras the service uses when an answerer has them:
    - `stream(request)`: yields `str` text deltas as they are generated and, last, the `ComposedAnswer`;
    - `condense(question, history) -> str`: a standalone form of a follow-up question;
    - `health() -> dict`: the state of whatever the answerer depends on (e.g. an LLM server), for /readyz.
    """

    name: str

    def compose(self, request: AnswerRequest) -> ComposedAnswer: ...


def stream_text(answer: ComposedAnswer, piece_words: int = 6) -> Iterator[str]:
    """Split a finished answer into word groups, for answerers that cannot stream natively."""
    words = answer.text.split(" ")
    for i in range(0, len(words), piece_words):
        yield " ".join(words[i : i + piece_words]) + (" " if i + piece_words < len(words) else "")


AnswererFactory = Callable[["Settings", "SentenceTransformerEmbedder"], Answerer]
ANSWERERS: dict[str, AnswererFactory] = {}


def register_answerer(name: str, factory: AnswererFactory) -> None:
    ANSWERERS[name] = factory


class UnknownAnswererError(ValueError):
    pass


class AnswererUnavailableError(RuntimeError):
    """An answerer's backend (an LLM server or model) failed and `llm_fallback` is "error".

    The message is safe to show to users (no internal paths); the HTTP API maps it to 503.
    """


def make_answerer(name: str, settings: Settings, embedder: SentenceTransformerEmbedder) -> Answerer:
    """Build the answerer registered under `name`; an unknown name lists the valid ones."""
    _register_builtins()
    if name not in ANSWERERS:
        raise UnknownAnswererError(f"unknown answerer {name!r}; choose one of {', '.join(sorted(ANSWERERS))}")
    return ANSWERERS[name](settings, embedder)


def _register_builtins() -> None:
    from advisor.answering import extractive, llm  # noqa: F401  (register themselves)
