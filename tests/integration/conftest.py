"""Real services for the integration suite: a Chroma server and a throwaway PostgreSQL on loopback.

Both are started once per session and stopped at the end. Tests that need a store of their own use a
collection name of their own on the shared Chroma server, so nothing leaks between them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.service import Advisor
from advisor.settings import Settings
from tests.conftest import CORPUS_DIR
from tests.integration.services import ChromaServer, PostgresServer, ServiceUnavailable

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`advisor ARGS` in a fresh process with `env` added to a clean ADVISOR_* environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True,
                          env={**base, "HF_HUB_OFFLINE": "1", **env}, timeout=timeout, cwd=PROJECT_ROOT)


def unique_collection() -> str:
    return f"it_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    try:
        server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "chroma")
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server_settings(chroma_server: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings that keep vectors in the Chroma server (the data dir holds only BM25 and SQLite)."""
    return Settings(data_dir=tmp_path_factory.mktemp("server-mode-data"), corpus_dir=CORPUS_DIR,  # type: ignore[call-arg]
                    chroma_url=chroma_server.url, collection_name="advisor_chunks", _env_file=None)


@pytest.fixture(scope="session")
def server_advisor(server_settings: Settings, embedder: SentenceTransformerEmbedder) -> Advisor:
    """A warmed-up Advisor over the shipped corpus, stored in the Chroma server (read-only use)."""
    service = Advisor(server_settings, embedder=embedder)
    report = service.ingest()
    assert report.ok, report.errors
    service.warm_up()
    return service


@pytest.fixture
def fresh_server_settings(chroma_server: ChromaServer, tmp_path: Path) -> Settings:
    """An empty collection of this test's own on the shared Chroma server."""
    return Settings(data_dir=tmp_path / "data", corpus_dir=CORPUS_DIR, chroma_url=chroma_server.url,  # type: ignore[call-arg]
                    collection_name=unique_collection(), _env_file=None)
