"""Question-sized encodes on the torch backend: the texts of concurrent requests are tokenized once and
encoded together (see `advisor.coalesce`), spread over the cores, in bfloat16 on CPUs that have it natively.
A lone question is always encoded in float32, on the query thread count, exactly as it would be on its own."""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from advisor.coalesce import Coalescer
from advisor.retrieval.model_loading import ModelLoader


class QueryEncoder:
    """Encodes each request's few texts (a question, its focused form), coalescing concurrent requests."""

    def __init__(self, loader: ModelLoader, query_threads: int | None = 1,
                 batch_precision: str = "auto") -> None:
        self.loader = loader
        self.query_threads = query_threads
        self.batch_precision = batch_precision
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._coalesced: Coalescer[tuple[str, ...], np.ndarray] = Coalescer(self.encode_together)

    def encode(self, texts: tuple[str, ...]) -> np.ndarray:
        """Unit-normalised float32 vectors of `texts`, one row each (encoded with concurrent callers')."""
        return self._coalesced(texts)

    def encode_together(self, requests: list[tuple[str, ...]]) -> list[np.ndarray]:
        """The vectors of each request's texts, straight through the modules (without `encode`'s per-call
        set-up). Tokenized here, in one call (tokenizers are not shared across threads), then spread over the
        cores, each on its own thread: one text per core for a lone request (exactly what it would get alone),
        and for requests that came together, runs of texts of similar length (little padding)."""
        model: Any = self.loader.load()  # a SentenceTransformer: its modules are called directly
        texts = list(dict.fromkeys(t for request in requests for t in request))
        features = model.preprocess(texts)
        lengths = features["attention_mask"].sum(dim=1).tolist()
        groups = self._groups(len(requests), lengths)
        bf16 = len(requests) > 1 and self.batches_in_bf16

        def forward(group: list[int]) -> np.ndarray:
            self.loader.use_threads(self.query_threads)
            return _forward(model, _rows(features, group, lengths), bf16)

        encoded = [forward(groups[0])] if len(groups) == 1 else list(self._pool().map(forward, groups))
        vectors = np.empty((len(texts), encoded[0].shape[1]), dtype=np.float32)
        for group, rows in zip(groups, encoded, strict=True):
            vectors[group] = rows
        position = {text: n for n, text in enumerate(texts)}
        return [vectors[[position[t] for t in request]] for request in requests]

    def _groups(self, requests: int, lengths: list[int]) -> list[list[int]]:
        """The texts (by position) each thread encodes: all on this thread when queries are not parallel or
        there is one text; one per core for a lone request; else runs of similar length over the cores."""
        count = len(lengths)
        if not self.parallel or count == 1:
            return [list(range(count))]
        if requests == 1:
            return [[i] for i in range(count)]
        by_length = sorted(range(count), key=lambda i: lengths[i])
        per_core = -(-count // (os.cpu_count() or 2))
        return [by_length[i : i + per_core] for i in range(0, count, per_core)]

    @property
    def parallel(self) -> bool:
        """Whether a request's texts are spread over the cores (one thread per question-sized encode)."""
        return self.query_threads == 1 and (os.cpu_count() or 1) > 1

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

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                                        thread_name_prefix="advisor-embed")
        return self._executor


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
