"""Vectors of texts embedded before: a bounded LRU of recent ones (questions, evidence sentences), the
pinned warm-up set (every answer sentence and heading, never evicted), and the file in the data directory the
warm-up vectors are saved to (by an ingest, or by a start that had to embed some) so that a start embeds none
of them and a process answering one question reads just the few it needs."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from advisor.lru import LRUCache

WARM_VECTORS_FILE = "warm_vectors.npz"


def warm_vectors_path(data_dir: Path) -> Path:
    """Where the warm-up vectors of the data directory `data_dir` are saved."""
    return data_dir / WARM_VECTORS_FILE


class VectorCache:
    """Embeds texts with `embed`, reusing the vectors of texts seen before.

    `dimension` is the vector size, asked only when no vector gives it (nothing to return, or blank rows).
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], dimension: Callable[[], int],
                 size: int) -> None:
        self.recent: LRUCache[str, np.ndarray] = LRUCache(size)  # a use makes a text the most recent
        self._pinned: dict[str, np.ndarray] = {}  # replaced whole by `warm`, never changed in place
        self._saved: tuple[Path, str] | None = None  # a saved file looked up before embedding (`look_up`)
        self._saved_vectors: dict[str, np.ndarray] | None = None  # its vectors by digest, read on first need
        self._embed = embed
        self._dimension = dimension

    def look_up(self, saved: Path, model: str) -> None:
        """Take the vectors of `model` saved at `saved` (by `warm` or `save`) for texts not seen before rather
        than embed them: what a process answering a question or two does instead of warming up. The file is
        read when the first such text comes."""
        self._saved, self._saved_vectors = (saved, model), None

    def embed_within(self, texts: list[str], budget: int | None) -> tuple[np.ndarray, int]:
        """The vectors of `texts`, embedding at most `budget` texts not seen before (None: all of them; the
        first ones: put the most useful first); the rows of the others are NaN. Returns the vectors and how
        many texts were embedded."""
        pinned = self._pinned
        unpinned = [t for t in texts if t not in pinned]  # the texts whose place in the LRU a use refreshes
        found = {t: pinned[t] for t in texts if t in pinned}
        found.update(self.recent.get_many(unpinned))
        missing = [t for t in dict.fromkeys(unpinned) if t not in found]
        if missing and self._saved is not None:
            saved = self._read_saved()
            found.update((t, v) for t in missing if (v := saved.get(digest(t))) is not None)
            missing = [t for t in missing if t not in found]
        if budget is not None:
            missing = missing[: max(budget, 0)]
        if missing:
            found.update(zip(missing, self._embed(missing), strict=True))
        if unpinned:
            self.recent.put_many((t, found[t]) for t in unpinned if t in found)
        if not texts:
            return np.zeros((0, self._dimension()), dtype=np.float32), 0
        if len(found) < len(set(texts)):
            blank = np.full(self._dimension(), np.nan, dtype=np.float32)
            return np.array([found.get(t, blank) for t in texts]), len(missing)
        return np.array([found[t] for t in texts]), len(missing)

    def _read_saved(self) -> dict[str, np.ndarray]:
        """The vectors of the file given to `look_up`, by text digest (read once)."""
        if self._saved_vectors is None and self._saved is not None:
            self._saved_vectors = read_vectors(*self._saved)
        return self._saved_vectors or {}

    def warm(self, texts: list[str], saved: Path | None, model: str, batch: int = 256) -> None:
        """Pin `texts` (recent texts passing through never evict them), taking the vectors of `model` an
        earlier process saved at `saved` and embedding only the rest, `batch` at a time; then save them all
        there for the next start. The pinned set is replaced, not added to."""
        self._pinned = self._gather(texts, saved, model, batch)[0]

    def save(self, texts: list[str], saved: Path, model: str, batch: int = 256,
             progress: bool = False) -> int:
        """Save the vectors of `model` for exactly `texts` at `saved`: those already there (or pinned) are
        kept, the others embedded `batch` at a time (with a progress bar if `progress`), and texts no longer
        listed dropped; what is pinned does not change. Returns how many texts were embedded."""
        return self._gather(texts, saved, model, batch, reuse=self._pinned, progress=progress)[1]

    def _gather(self, texts: list[str], saved: Path | None, model: str, batch: int,
                reuse: dict[str, np.ndarray] | None = None,
                progress: bool = False) -> tuple[dict[str, np.ndarray], int]:
        """The vectors of `texts` (read from `saved`, else taken from `reuse`, else embedded in the order
        given, so that an ingest computes what a start would) and how many were embedded. `saved` is
        rewritten when it lacked some of them or held others."""
        stored = read_vectors(saved, model) if saved else {}
        reuse = reuse or {}
        vectors: dict[str, np.ndarray] = {}
        missing = []
        read = 0
        for text in dict.fromkeys(texts):
            vector = stored.get(digest(text))
            read += vector is not None
            if vector is None:
                vector = reuse.get(text)
            if vector is None:
                missing.append(text)
            else:
                vectors[text] = vector
        bar = tqdm(total=len(missing), desc="Warm-up vectors", unit="text",
                   disable=not (progress and missing))
        for i in range(0, len(missing), batch):
            vectors.update(zip(missing[i : i + batch], self._embed(missing[i : i + batch]), strict=True))
            bar.update(len(missing[i : i + batch]))
        bar.close()
        if saved and (read != len(vectors) or read != len(stored)):
            write_vectors(saved, model, {digest(t): v for t, v in vectors.items()})
        return vectors, len(missing)


def digest(text: str) -> str:
    """The key of a text's vector in a saved file."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_vectors(path: Path, model: str) -> dict[str, np.ndarray]:
    """Saved vectors by text digest; nothing when the file is missing, unreadable or from another model."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["model"]) != model:
                return {}
            return dict(zip(saved["digests"].tolist(), saved["vectors"], strict=True))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):  # a torn or foreign file: recompute
        return {}


def write_vectors(path: Path, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Save `vectors` (by text digest) of `model` at `path` atomically (write, then rename); a read-only data
    directory just means no saved vectors."""
    if not vectors:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as handle:
            np.savez(handle, model=np.array(model), digests=np.array(list(vectors)),
                     vectors=np.vstack(list(vectors.values())))
        os.replace(handle.name, path)
    except OSError:
        pass
