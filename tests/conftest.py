"""Shared fixtures: every test's state lives in a temporary folder; the real model and a real Chroma.

`advisor` is one real Advisor over the shipped corpus, ingested once per session (read-only use).
Tests that write to a store use `fresh_settings` to get their own empty data directory. Unit tests that only
need vectors use `fake_embedder` (`HashingEmbedder`): no model is loaded.

Tiers: tests that need a browser, PostgreSQL or a Chroma server, llama.cpp, the advisor in another process
(a server, the CLI), fuzzing, a wheel build or the whole evaluation are `slow`. `make test` runs everything;
`make test-fast` runs `-m "not slow"`. Modules that are wholly slow say so with `pytestmark`; files in folders
whose modules are not marked themselves are listed in `SLOW_PATHS`; and a test using one of `SLOW_FIXTURES`
is slow wherever it is.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from advisor.models import Chunk  # noqa: E402
from advisor.retrieval.embeddings import SentenceTransformerEmbedder  # noqa: E402
from advisor.retrieval.vector_cache import VectorCache  # noqa: E402
from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout: corpus/, evals/, ui/
CORPUS_DIR = PROJECT_ROOT / "corpus"

SLOW_PATHS = (
    "tests/api/test_openapi_fuzz.py",  # schemathesis
    "tests/api/test_serve.py",  # `advisor serve` in a subprocess
    "tests/web/test_chat_ui.py",  # Chromium
    "tests/web/test_widget.py",  # Chromium
    "tests/cli/test_core.py",  # `advisor` in subprocesses, each loading the model (about a minute in all)
    "tests/evaluation/test_floors.py",  # the whole shipped question set
    "tests/evaluation/test_cli.py",  # `advisor eval` end to end
    "tests/ingestion/test_hostile_documents.py::test_the_command_names_each_bad_file_and_exits_1",  # process
    "tests/reliability/test_planted_injections.py",  # indexes 150 planted articles with the model: an eval
)
"""Node-id prefixes (a file, or one test of it) of slow tests that carry no `slow` mark of their own."""

SLOW_FIXTURES = frozenset({"browser", "open_page", "llama_server", "gguf_path", "chroma_server",
                           "postgres_server"})
"""Fixtures that start a browser, llama.cpp, a Chroma server or PostgreSQL: a test using one is slow."""


@pytest.hookimpl(tryfirst=True)  # before `-m "not slow"` deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:  # node ids are relative to the checkout (pyproject.toml's folder)
        fixtures = getattr(item, "fixturenames", ())
        if item.nodeid.startswith(SLOW_PATHS) or SLOW_FIXTURES.intersection(fixtures):
            item.add_marker(pytest.mark.slow)


class HashingEmbedder:
    """A tiny deterministic embedder for unit tests: every lower-cased word adds +1 or -1 to one of
    `dimension` buckets picked by its hash, so texts sharing words are close and texts sharing none are near
    orthogonal. The real `VectorCache` gives it `embed_cached` and `embed_within`; `embedded` records every
    text it was asked to embed."""

    model_name = "hashing"
    loaded = True

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.embedded: list[str] = []
        self._vectors = VectorCache(self.embed, lambda: self.dimension, 4096)

    def load(self) -> HashingEmbedder:
        return self

    def embed(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self.embedded.extend(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                vectors[row, int.from_bytes(digest[:4], "little") % self.dimension] += (
                    1.0 if digest[4] % 2 else -1.0)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    def embed_cached(self, texts: list[str]) -> np.ndarray:
        return self._vectors.embed_within(texts, budget=None)[0]

    def embed_within(self, texts: list[str], budget: int | None) -> tuple[np.ndarray, int]:
        return self._vectors.embed_within(texts, budget)


def make_chunk(doc_id: str, text: str, start: int = 0, section: str = "", title: str = "") -> Chunk:
    """A hand-made chunk of document `doc_id` at offset `start` (its id: "<doc_id>@<start>")."""
    return Chunk(chunk_id=f"{doc_id}@{start}", doc_id=doc_id, title=title or doc_id.title(), section=section,
                 text=text, start=start, end=start + len(text))


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    """A fresh `HashingEmbedder`: vectors without a model, for units that only need vectors."""
    return HashingEmbedder()


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
