"""Answerers by name. The built-ins are registered the way an outside answerer would be."""

from __future__ import annotations

from collections.abc import Callable

from advisor.answering.base import Answerer, UnknownAnswererError
from advisor.answering.extractive import ExtractiveAnswerer
from advisor.answering.llm import PROVIDERS, llm_factory
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.settings import Settings

AnswererFactory = Callable[[Settings, SentenceTransformerEmbedder], Answerer]
ANSWERERS: dict[str, AnswererFactory] = {}


def register_answerer(name: str, factory: AnswererFactory) -> None:
    ANSWERERS[name] = factory


def make_answerer(name: str, settings: Settings, embedder: SentenceTransformerEmbedder) -> Answerer:
    """Build the answerer registered under `name`; an unknown name lists the valid ones."""
    if name not in ANSWERERS:
        raise UnknownAnswererError(f"unknown answerer {name!r}; choose one of {', '.join(sorted(ANSWERERS))}")
    return ANSWERERS[name](settings, embedder)


register_answerer("extractive", ExtractiveAnswerer)
for _provider in PROVIDERS:
    register_answerer(_provider, llm_factory(_provider))
