"""A BM25 index (bm25s, English stemming) over the stored chunks, persisted beside the vector store."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from advisor.models import Chunk
from advisor.text import tokenize, tokens_of

_STATE_FILE = "advisor_state.json"
# Bump whenever advisor.text.tokenize changes: saved indexes of other versions are rebuilt.
TOKENIZER_VERSION = 4
_FREQUENT_SHARE = 0.2  # words in more chunks than this also get their adjacent pairs counted


class BM25Index:
    """Keyword search over chunk ids; knows the store version it was built from."""

    def __init__(self, retriever, chunk_ids: list[str], version: str, doc_freq: dict[str, int]) -> None:
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self.version = version
        self.doc_freq = doc_freq

    @classmethod
    def build(cls, chunks: list[Chunk], version: str) -> BM25Index:
        import bm25s

        retriever = bm25s.BM25()
        tokens = tokenize([c.index_text() for c in chunks]) if chunks else []
        if chunks:
            retriever.index(tokens, show_progress=False)
        doc_freq: dict[str, int] = {}
        for chunk_tokens in tokens:
            for token in set(chunk_tokens):
                doc_freq[token] = doc_freq.get(token, 0) + 1
        # Pairs of frequent words ("healthcare director") can be rare although each word is common.
        frequent = {t for t, n in doc_freq.items() if n > _FREQUENT_SHARE * len(tokens)}
        for chunk_tokens in tokens:
            pairs = {
                f"{a} {b}"
                for a, b in zip(chunk_tokens, chunk_tokens[1:], strict=False)
                if a in frequent and b in frequent
            }
            for pair in pairs:
                doc_freq[pair] = doc_freq.get(pair, 0) + 1
        return cls(retriever if chunks else None, [c.chunk_id for c in chunks], version, doc_freq)

    def share_of_chunks_with(self, token: str) -> float:
        """The fraction of chunks containing a (stemmed) token, or a pair of frequent tokens "a b"."""
        return self.doc_freq.get(token, 0) / len(self.chunk_ids) if self.chunk_ids else 0.0

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The best k chunk ids with their BM25 scores (only those that match a query term)."""
        if self._retriever is None or not self.chunk_ids:
            return []
        query_tokens = tokens_of(query)
        vocab = self._retriever.vocab_dict
        tokens = [t for t in query_tokens if t in vocab]
        if not tokens:
            return []
        k = min(k, len(self.chunk_ids))
        # n_threads=0 scores in this thread; any other value starts a thread pool for every query
        docs, scores = self._retriever.retrieve([tokens], k=k, show_progress=False, n_threads=0)
        return [(self.chunk_ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def save(self, folder: Path) -> None:
        """Write the index atomically: a crash leaves either the old index or the new one."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(f"{folder.name}.tmp{os.getpid()}")  # per process: workers may save at once
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(staging), show_progress=False)
        (staging / _STATE_FILE).write_text(
            json.dumps(
                {
                    "version": self.version,
                    "tokenizer": TOKENIZER_VERSION,
                    "chunk_ids": self.chunk_ids,
                    "doc_freq": self.doc_freq,
                }
            )
        )
        backup = folder.with_name(f"{folder.name}.old{os.getpid()}")
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
            if state.get("tokenizer") != TOKENIZER_VERSION:
                return None
            retriever = bm25s.BM25.load(str(folder), show_progress=False) if state["chunk_ids"] else None
            return cls(retriever, list(state["chunk_ids"]), str(state["version"]), dict(state["doc_freq"]))
        except (OSError, ValueError, KeyError):
            return None
