"""Chat-model factories for the LLM answerers, and a cheap reachability probe for /readyz.

`make_chat_model("openai" | "ollama" | "llamacpp", settings)` builds a LangChain chat model from
settings; an unknown provider fails listing the valid ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from pydantic import SecretStr

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from advisor.settings import Settings

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
_PROBE_TIMEOUT = 2.0


class UnknownProviderError(ValueError):
    pass


class ModelNotConfiguredError(RuntimeError):
    """A setting the provider needs (e.g. llm_model_path for `llamacpp`) is missing."""


def make_chat_model(provider: str, settings: Settings, max_tokens: int | None = None) -> BaseChatModel:
    """A LangChain chat model for `provider`, configured from settings; raises UnknownProviderError,
    ModelNotConfiguredError."""
    if provider not in _FACTORIES:
        valid = ", ".join(_FACTORIES)
        raise UnknownProviderError(f"unknown LLM provider {provider!r}; choose one of {valid}")
    return _FACTORIES[provider](settings, max_tokens or settings.llm_max_tokens)


def _openai(settings: Settings, max_tokens: int) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if settings.llm_base_url is None and not key:
        raise ModelNotConfiguredError("the openai answerer needs ADVISOR_LLM_API_KEY or ADVISOR_LLM_BASE_URL")
    # LangChain sends `max_completion_tokens`; servers such as llama.cpp's and older vLLM only read
    # `max_tokens`, so an OpenAI-compatible server gets both.
    extra = {"max_tokens": max_tokens} if settings.llm_base_url else None
    return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url,
                      api_key=SecretStr(key or "not-needed"), temperature=settings.llm_temperature,
                      max_completion_tokens=max_tokens, timeout=settings.llm_timeout, max_retries=0,
                      extra_body=extra)


def _ollama(settings: Settings, max_tokens: int) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(model=settings.llm_model, base_url=settings.llm_base_url or OLLAMA_DEFAULT_URL,
                      temperature=settings.llm_temperature, num_predict=max_tokens,
                      client_kwargs={"timeout": settings.llm_timeout})


def _llamacpp(settings: Settings, max_tokens: int) -> BaseChatModel:
    from advisor.answering.llm.llamacpp import ChatLlamaCpp

    if settings.llm_model_path is None:
        raise ModelNotConfiguredError("the llamacpp answerer needs ADVISOR_LLM_MODEL_PATH (a .gguf file)")
    return ChatLlamaCpp(model_path=settings.llm_model_path, n_ctx=settings.llm_n_ctx,
                        n_threads=settings.llm_threads, max_tokens=max_tokens,
                        temperature=settings.llm_temperature)


_FACTORIES: dict[str, Callable[[Settings, int], BaseChatModel]] = {
    "openai": _openai, "ollama": _ollama, "llamacpp": _llamacpp,
}


def probe(provider: str, settings: Settings) -> dict[str, object]:
    """Whether the provider's model can be reached now: {"reachable": bool, "error"?: str}. Never raises."""
    try:
        if provider == "llamacpp":
            return _probe_file(settings)
        if provider == "ollama":
            url = (settings.llm_base_url or OLLAMA_DEFAULT_URL).rstrip("/") + "/api/tags"
            headers: dict[str, str] = {}
        else:
            url = (settings.llm_base_url or OPENAI_DEFAULT_URL).rstrip("/") + "/models"
            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
            headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = httpx.get(url, headers=headers, timeout=min(_PROBE_TIMEOUT, settings.llm_timeout))
        if response.status_code >= 400:
            return {"reachable": False, "error": f"HTTP {response.status_code} from the LLM server"}
        return {"reachable": True}
    except httpx.HTTPError as exc:
        return {"reachable": False, "error": f"cannot reach the LLM server ({type(exc).__name__})"}
    except Exception as exc:  # noqa: BLE001  (health must report, not raise)
        return {"reachable": False, "error": type(exc).__name__}


def _probe_file(settings: Settings) -> dict[str, object]:
    from advisor.answering.llm.llamacpp import is_loaded

    path = settings.llm_model_path
    if path is None:
        return {"reachable": False, "error": "llm_model_path is not set"}
    if not Path(path).is_file():
        return {"reachable": False, "error": f"model file {Path(path).name} not found"}
    return {"reachable": True, "loaded": is_loaded(Path(path), settings.llm_n_ctx, settings.llm_threads)}
