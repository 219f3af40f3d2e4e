"""Generative answerers through LangChain chat models: `openai` (any OpenAI-compatible server), `ollama`,
and `llamacpp` (a local GGUF file in-process). They keep the extractive answerer's guarantees: every
citation quotes a retrieved chunk verbatim, and a failing or uncited LLM answer falls back to it.

Importing this package loads nothing heavy; LangChain and the models load on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.answering.base import Answerer
    from advisor.retrieval.embeddings import SentenceTransformerEmbedder
    from advisor.settings import Settings

PROVIDERS = ("openai", "ollama", "llamacpp")


def llm_factory(provider: str) -> Callable[[Settings, SentenceTransformerEmbedder], Answerer]:
    """A factory of the LLM answerer for `provider` (the answerer module is imported when it is called)."""

    def make(settings: Settings, embedder: SentenceTransformerEmbedder) -> Answerer:
        from advisor.answering.llm.answerer import LLMAnswerer

        return LLMAnswerer(settings, embedder, provider=provider)

    return make
