"""Generative answerers through LangChain chat models: `openai` (any OpenAI-compatible server), `ollama`,
and `llamacpp` (a local GGUF file in-process). They keep the extractive answerer's guarantees: every
citation quotes a retrieved chunk verbatim, and a failing or uncited LLM answer falls back to it.

Importing this package only registers the names; LangChain and the models load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.answering.base import Answerer, register_answerer

if TYPE_CHECKING:
    from advisor.retrieval.embeddings import SentenceTransformerEmbedder
    from advisor.settings import Settings

PROVIDERS = ("openai", "ollama", "llamacpp")


def _factory(provider: str):  # -> AnswererFactory
    def make(settings: Settings, embedder: SentenceTransformerEmbedder) -> Answerer:
        from advisor.answering.llm.answerer import LLMAnswerer

        return LLMAnswerer(settings, embedder, provider=provider)

    return make


for _provider in PROVIDERS:
    register_answerer(_provider, _factory(_provider))
