"""The ONNX Runtime embedding backend: export the local sentence-transformers model once, then embed with it.

The export (torch.onnx, needs the `onnx` package) bakes the model's pooling into the graph, so ONNX Runtime
returns sentence embeddings directly. It is written to a cache folder keyed by the model's weights, never
next to the installed model, and only once: later loads need just `onnxruntime` and `tokenizers`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from pathlib import Path

import numpy as np

ONNX_FILE_NAME = "model.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_export_lock = threading.Lock()


class OnnxExportError(RuntimeError):
    """The model cannot be exported to or loaded as ONNX (not a local folder, unsupported pooling...)."""


def default_cache_dir() -> Path:
    """Where exported models are kept when no folder is given: ~/.cache/advisor/onnx."""
    return Path.home() / ".cache" / "advisor" / "onnx"


def model_key(model_dir: Path) -> str:
    """A name for the model in `model_dir` that changes whenever its weights, config or tokenizer change."""
    model_dir = Path(model_dir).resolve()
    digest = hashlib.sha256(str(model_dir).encode())
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json", "modules.json"):
        path = model_dir / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{model_dir.name}-{digest.hexdigest()[:16]}"


def onnx_path_for(model_dir: Path, cache_dir: Path | None = None) -> Path:
    """The exported file for `model_dir` in the cache; a new one whenever the model's `model_key` changes."""
    return (cache_dir or default_cache_dir()) / model_key(model_dir) / ONNX_FILE_NAME


def _pooling_mode(model_dir: Path) -> str:
    """'mean' or 'cls', from the sentence-transformers Pooling module's config."""
    modules_file = model_dir / "modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.is_file() else []
    for module in modules:
        if str(module.get("type", "")).endswith("Pooling"):
            config = json.loads((model_dir / module["path"] / "config.json").read_text())
            if config.get("pooling_mode_mean_tokens"):
                return "mean"
            if config.get("pooling_mode_cls_token"):
                return "cls"
            raise OnnxExportError(f"unsupported pooling in {model_dir}: only mean and CLS pooling export")
    return "mean"


def export_onnx(model_dir: Path, target: Path) -> Path:
    """Export the transformer plus its pooling to `target` (written atomically); returns `target`."""
    import torch
    from transformers import AutoModel

    from advisor.retrieval.model_loading import without_loading_bars

    pooling = _pooling_mode(model_dir)
    with without_loading_bars():
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state
            if pooling == "cls":
                return hidden[:, 0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    example = torch.ones((2, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pooled(), (example, example, torch.zeros_like(example)), str(staging),
                          input_names=list(_INPUTS), output_names=["sentence_embedding"],
                          dynamic_axes={**axes, "sentence_embedding": {0: "batch"}}, opset_version=17,
                          dynamo=False)
    os.replace(staging, target)  # concurrent exporters each finish their own file; the last rename wins
    return target


class OnnxSentenceEncoder:
    """Sentence embeddings of an exported model run by ONNX Runtime; `encode` as in sentence-transformers."""

    def __init__(self, model_dir: Path, onnx_file: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        self.onnx_file = Path(onnx_file)
        config_path = self.model_dir / "sentence_bert_config.json"
        config = json.loads(config_path.read_text()) if config_path.is_file() else {}
        self.max_seq_length = int(config.get("max_seq_length") or 512)
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(self.onnx_file), options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self.session.get_inputs()}
        self._dimension = int(self.session.get_outputs()[0].shape[-1])

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def encode(self, texts: list[str], batch_size: int = 32, normalize_embeddings: bool = True,
               convert_to_numpy: bool = True, show_progress_bar: bool = False) -> np.ndarray:
        """float32 embeddings, one row per text; batches group texts of similar length to limit padding."""
        del convert_to_numpy, show_progress_bar  # always numpy; no progress bar of its own
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chosen = order[start : start + batch_size]
            out[chosen] = self._run([texts[i] for i in chosen])
        if normalize_embeddings:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        feeds = {name: np.zeros((len(texts), width), dtype=np.int64) for name in _INPUTS}
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            feeds["input_ids"][row, :n] = enc.ids
            feeds["attention_mask"][row, :n] = enc.attention_mask
            feeds["token_type_ids"][row, :n] = enc.type_ids
        result = self.session.run(None, {k: v for k, v in feeds.items() if k in self._input_names})
        return np.asarray(result[0], dtype=np.float32)


def load_onnx_encoder(model_dir: str | Path, cache_dir: Path | None = None,
                      threads: int | None = None) -> OnnxSentenceEncoder:
    """The ONNX encoder for a local model folder, exporting it into the cache on first use.

    Raises OnnxExportError when `model_dir` is not a local sentence-transformers folder.
    """
    folder = Path(model_dir)
    if not (folder / "tokenizer.json").is_file() or not (folder / "config.json").is_file():
        raise OnnxExportError(f"the onnx backend needs a local model folder with tokenizer.json: {model_dir}")
    target = onnx_path_for(folder, cache_dir)
    try:
        if not target.is_file():
            with _export_lock:
                if not target.is_file():
                    export_onnx(folder, target)
        return OnnxSentenceEncoder(folder, target, threads)
    except ImportError as exc:
        raise OnnxExportError(f"the onnx embedding backend needs onnxruntime (and onnx for the one-time "
                              f"export): pip install onnxruntime onnx ({exc})") from exc
