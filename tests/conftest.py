"""Shared fixtures: every test's state lives in a temporary folder; the real model and a real Chroma.

`advisor` is one real Advisor over the shipped corpus, ingested once per session (read-only use).
Tests that write to a store use `fresh_settings` to get their own empty data directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from advisor.retrieval.embeddings import SentenceTransformerEmbedder  # noqa: E402
from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout: corpus/, evals/, ui/
CORPUS_DIR = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    model = SentenceTransformerEmbedder()
    model.load()
    return model


@pytest.fixture(scope="session")
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("advisor-data")


@pytest.fixture(scope="session")
def settings(session_data_dir: Path) -> Settings:
    return Settings(data_dir=session_data_dir, corpus_dir=CORPUS_DIR, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def advisor(settings: Settings, embedder: SentenceTransformerEmbedder) -> Advisor:
    """A warmed-up Advisor over the shipped corpus. Do not ingest into it: use `fresh_settings`."""
    service = Advisor(settings, embedder=embedder)
    report = service.ingest()
    assert report.ok, report.errors
    service.warm_up()
    return service


@pytest.fixture
def fresh_settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty data directory of this test's own."""
    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, _env_file=None)  # type: ignore[call-arg]
