"""Vectors of texts embedded before: a bounded LRU of recent ones (questions, evidence sentences), the
pinned warm-up set (every answer sentence and heading, never evicted), and the file the pinned vectors are
saved to so that the next process starts without embedding them again."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from advisor.lru import LRUCache


class VectorCache:
    """Embeds texts with `embed`, reusing the vectors of texts seen before.

    `dimension` is the vector size, asked only when no vector gives it (nothing to return, or blank rows).
    """

    def __init__(self, embed: Callable[[list[str]], np.ndarray], dimension: Callable[[], int],
                 size: int) -> None:
        self.recent: LRUCache[str, np.ndarray] = LRUCache(size)  # a use makes a text the most recent
        self._pinned: dict[str, np.ndarray] = {}  # replaced whole by `warm`, never changed in place
        self._embed = embed
        self._dimension = dimension

    def embed_within(self, texts: list[str], budget: int | None) -> tuple[np.ndarray, int]:
        """The vectors of `texts`, embedding at most `budget` texts not seen before (None: all of them; the
        first ones: put the most useful first); the rows of the others are NaN. Returns the vectors and how
        many texts were embedded."""
        pinned = self._pinned
        unpinned = [t for t in texts if t not in pinned]  # the texts whose place in the LRU a use refreshes
        found = {t: pinned[t] for t in texts if t in pinned}
        found.update(self.recent.get_many(unpinned))
        missing = [t for t in dict.fromkeys(unpinned) if t not in found]
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

    def warm(self, texts: list[str], saved: Path | None, model: str, batch: int = 256) -> None:
        """Pin `texts` (recent texts passing through never evict them), taking the vectors of `model` an
        earlier process saved at `saved` and embedding only the rest, `batch` at a time; then save them all
        there for the next start. The pinned set is replaced, not added to."""
        stored = read_vectors(saved, model) if saved else {}
        pinned: dict[str, np.ndarray] = {}
        missing = []
        for text in dict.fromkeys(texts):
            vector = stored.get(digest(text))
            if vector is None:
                missing.append(text)
            else:
                pinned[text] = vector
        for i in range(0, len(missing), batch):
            pinned.update(zip(missing[i : i + batch], self._embed(missing[i : i + batch]), strict=True))
        self._pinned = pinned
        if saved and (missing or len(stored) != len(pinned)):
            write_vectors(saved, model, {digest(t): v for t, v in pinned.items()})


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
