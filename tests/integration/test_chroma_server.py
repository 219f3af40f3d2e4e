"""The advisor over a real Chroma server (ADVISOR_CHROMA_URL): ingestion, retrieval, asking, restarts."""

from __future__ import annotations

import json

import pytest

from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.service import Advisor
from advisor.settings import Settings
from tests.integration.conftest import run_cli, unique_collection
from tests.integration.services import ChromaServer

pytestmark = pytest.mark.slow  # a Chroma server

QUESTIONS = [
    "How many years of clinical experience do I need before becoming a medical director?",
    "Do I need an MBA to become a medical director?",
    "What does a medical director do in a health insurance company?",
    "Which certifications help a physician become a medical director?",
    "How much does a medical director earn?",
]


def test_ingest_into_server_lists_every_document(server_advisor: Advisor, advisor: Advisor):
    served = {s.doc_id: s.chunk_count for s in server_advisor.sources()}
    embedded = {s.doc_id: s.chunk_count for s in advisor.sources()}
    assert served == embedded and len(served) == 5
    assert server_advisor.store.count() == sum(served.values())


def test_reingest_through_server_changes_nothing(server_advisor: Advisor):
    report = server_advisor.ingest()
    assert report.ok and len(report.unchanged_documents) == 5 and report.chunks_written == 0


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_server_retrieves_what_the_embedded_store_retrieves(server_advisor: Advisor, advisor: Advisor, mode):
    for question in QUESTIONS:
        served = [r.chunk.chunk_id for r in server_advisor.retrieve(question, mode=mode, k=5)]
        embedded = [r.chunk.chunk_id for r in advisor.retrieve(question, mode=mode, k=5)]
        assert served and served == embedded, question


def test_answer_through_server_cites_verbatim(server_advisor: Advisor):
    answer = server_advisor.ask(QUESTIONS[0])
    assert not answer.refused and answer.citations
    for citation in answer.citations:
        document = server_advisor.document(citation.doc_id)
        assert document is not None
        assert document.text[citation.start : citation.end] == citation.snippet


def test_restarted_server_keeps_data_and_clients_reconnect(tmp_path, embedder: SentenceTransformerEmbedder):
    server = ChromaServer(tmp_path / "chroma").start()
    try:
        settings = Settings(data_dir=tmp_path / "data", chroma_url=server.url, _env_file=None)  # type: ignore[call-arg]
        service = Advisor(settings, embedder=embedder)
        assert service.ingest().ok
        count, version = service.store.count(), service.store.version()
        before = [r.chunk.chunk_id for r in service.retrieve(QUESTIONS[1], k=5)]

        server.restart()

        assert service.store.count() == count  # the same client object, after the restart
        assert service.store.version() == version
        assert [r.chunk.chunk_id for r in service.retrieve(QUESTIONS[1], k=5)] == before
        reopened = Advisor(settings, embedder=embedder)
        report = reopened.ingest()
        assert report.ok and len(report.unchanged_documents) == 5 and report.chunks_written == 0
        assert not reopened.ask(QUESTIONS[1]).refused
    finally:
        server.stop()


def test_cli_ingests_and_answers_through_server(chroma_server: ChromaServer, tmp_path):
    env = {"ADVISOR_DATA_DIR": str(tmp_path / "data"), "ADVISOR_CHROMA_URL": chroma_server.url,
           "ADVISOR_CHROMA_TOKEN": "not-checked-by-chroma-run",
           "ADVISOR_COLLECTION_NAME": unique_collection()}
    ingested = run_cli(["ingest", "--quiet"], env)
    assert ingested.returncode == 0, ingested.stderr
    assert "5 added" in ingested.stdout
    asked = run_cli(["ask", "--json", QUESTIONS[0]], env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and answer["citations"]
    assert not (tmp_path / "data" / "chroma").exists()  # vectors live in the server, not in the data dir
