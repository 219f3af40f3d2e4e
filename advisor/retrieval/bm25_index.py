"""A BM25 index (bm25s, English stemming) over the stored chunks, persisted beside the vector store."""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path


from advisor.models import Chunk

_STATE_FILE = "advisor_state.json"


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens: the same for chunks and queries."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class BM25Index:
    """Keyword search over chunk ids; knows the store version it was built from."""

    def __init__(self, retriever, chunk_ids: list[str], version: str) -> None:
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self.version = version

    @classmethod
    def build(cls, chunks: list[Chunk], version: str) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25()
        if chunks:
            retriever.index(tokenize([c.index_text() for c in chunks]), show_progress=False)
        return cls(retriever if chunks else None, [c.chunk_id for c in chunks], version)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The best k chunk ids with their BM25 scores (only those that match a query term)."""
        if self._retriever is None or not self.chunk_ids:
            return []
        tokens = tokenize([query])[0]
        vocab = self._retriever.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return []
        k = min(k, len(self.chunk_ids))
        docs, scores = self._retriever.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [(self.chunk_ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def save(self, folder: Path) -> None:
        """Write the index atomically: a crash leaves either the old index or the new one."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(staging), show_progress=False)
        (staging / _STATE_FILE).write_text(json.dumps({"version": self.version, "chunk_ids": self.chunk_ids}))
        backup = folder.with_name(folder.name + ".old")
        shutil.rmtree(backup, ignore_errors=True)
        if folder.exists():
            folder.rename(backup)
        staging.rename(folder)
        shutil.rmtree(backup, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> BM25Index | None:
        """The saved index, or None when there is none or it is unreadable (it is then rebuilt)."""
        state_path = folder / _STATE_FILE
        if not state_path.is_file():
            return None
        try:
            import bm25s

            state = json.loads(state_path.read_text())
            retriever = bm25s.BM25.load(str(folder), show_progress=False) if state["chunk_ids"] else None
            return cls(retriever, list(state["chunk_ids"]), str(state["version"]))
        except (OSError, ValueError, KeyError):
            return None
