"""Answerers by name: the built-ins, a clear error for an unknown name, and one registered like a plugin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.answering.base import Answerer, AnswerRequest, ComposedAnswer, UnknownAnswererError
from advisor.answering.extractive import ExtractiveAnswerer
from advisor.answering.llm.answerer import LLMAnswerer
from advisor.answering.registry import ANSWERERS, make_answerer, register_answerer
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import HashingEmbedder


class Echo(Answerer):
    """An outside answerer: repeats the question."""

    name = "echo"

    def __init__(self, settings: Settings, embedder: object) -> None:
        self.settings, self.embedder = settings, embedder

    def compose(self, request: AnswerRequest) -> ComposedAnswer:
        return ComposedAnswer(text=request.question, citations=[])


@pytest.fixture
def offline(tmp_path: Path) -> Settings:
    # an unreachable LLM server: building an LLM answerer must not contact it
    return Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def echo() -> Iterator[type[Echo]]:
    register_answerer("echo", Echo)
    yield Echo
    ANSWERERS.pop("echo")


def test_the_extractive_answerer_is_built_by_name(offline: Settings, fake_embedder: HashingEmbedder):
    answerer = make_answerer("extractive", offline, fake_embedder)  # type: ignore[arg-type]
    assert type(answerer) is ExtractiveAnswerer and answerer.name == "extractive"
    assert answerer.deterministic and answerer.settings is offline


@pytest.mark.parametrize("provider", ["openai", "ollama", "llamacpp"])
def test_llm_answerers_are_built_by_provider_name_without_loading_anything(
        offline: Settings, fake_embedder: HashingEmbedder, provider: str):
    answerer = make_answerer(provider, offline, fake_embedder)  # type: ignore[arg-type]
    assert isinstance(answerer, LLMAnswerer) and answerer.name == answerer.provider == provider
    assert not answerer.deterministic  # LLM answers are never replayed from the cache
    assert isinstance(answerer.extractive, ExtractiveAnswerer)  # its fallback


def test_an_unknown_name_fails_listing_the_valid_ones(offline: Settings, fake_embedder: HashingEmbedder):
    with pytest.raises(UnknownAnswererError) as raised:
        make_answerer("gpt", offline, fake_embedder)  # type: ignore[arg-type]
    assert str(raised.value) == ("unknown answerer 'gpt'; choose one of extractive, llamacpp, ollama, openai")


def test_a_registered_answerer_is_built_with_the_settings_and_embedder(
        offline: Settings, fake_embedder: HashingEmbedder, echo: type[Echo]):
    answerer = make_answerer("echo", offline, fake_embedder)  # type: ignore[arg-type]
    assert isinstance(answerer, echo) and answerer.settings is offline and answerer.embedder is fake_embedder
    with pytest.raises(UnknownAnswererError, match="echo, extractive"):
        make_answerer("nope", offline, fake_embedder)  # type: ignore[arg-type]


def test_the_service_finds_a_registered_answerer_by_name_and_keeps_it(
        offline: Settings, fake_embedder: HashingEmbedder, echo: type[Echo]):
    service = Advisor(offline, embedder=fake_embedder)  # type: ignore[arg-type]
    answerer = service.answerer("echo")
    assert isinstance(answerer, echo) and service.answerer("echo") is answerer
    with pytest.raises(UnknownAnswererError):
        service.answerer("nope")
