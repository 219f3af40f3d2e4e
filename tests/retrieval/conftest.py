"""Retrieval fixtures: a `SearchIndex` over hand-made chunks in memory, embedded by the hashing embedder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from advisor.models import Chunk
from advisor.retrieval.index import SearchIndex
from advisor.settings import Settings
from tests.conftest import HashingEmbedder


class MemoryStore:
    """What a `SearchIndex` reads of a `ChunkStore`, held in memory: the chunks, their vectors, a version."""

    def __init__(self, chunks: list[Chunk], embedder: HashingEmbedder, version: str = "v1") -> None:
        self.chunks = list(chunks)
        self.vectors = dict(zip([c.chunk_id for c in chunks],
                                embedder.embed([c.index_text() for c in chunks]), strict=True))
        self._version = version

    def version(self) -> str:
        return self._version

    def reopen(self) -> bool:
        return True

    def all_chunks(self) -> list[Chunk]:
        return list(self.chunks)

    def mean_embedding(self) -> np.ndarray | None:
        return np.mean(list(self.vectors.values()), axis=0) if self.vectors else None

    def chunk_embeddings(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        return {i: self.vectors[i] for i in chunk_ids if i in self.vectors}

    def query_many(self, embeddings: list[np.ndarray], k: int,
                   known: dict[str, Chunk] | None = None) -> list[list[tuple[Chunk, float]]]:
        results = []
        for query in embeddings:
            scored = [(c, float(self.vectors[c.chunk_id] @ query)) for c in self.chunks]
            results.append(sorted(scored, key=lambda cs: -cs[1])[:k])
        return results


IndexFactory = Callable[..., SearchIndex]


@pytest.fixture
def make_index(tmp_path: Path, fake_embedder: HashingEmbedder) -> IndexFactory:
    """`make_index(chunks, **settings)`: a loaded `SearchIndex` over `chunks` (BM25 saved under tmp_path)."""

    def build(chunks: list[Chunk], **overrides: Any) -> SearchIndex:
        settings = Settings(data_dir=tmp_path / "data", _env_file=None, **overrides)  # type: ignore[call-arg]
        index = SearchIndex(settings, MemoryStore(chunks, fake_embedder), fake_embedder)  # type: ignore[arg-type]
        index.refresh(force=True)
        return index

    return build
