"""Ingestion is idempotent, incremental, prunes removed documents and recovers from a killed run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from advisor.ingestion.chunking import split_into_chunks
from advisor.ingestion.loaders import load_document
from advisor.service import Advisor
from tests.conftest import CORPUS_DIR

SMALL_DOCS = ["career-as-medical-director.txt", "recruitingblogs-become-medical-director.txt"]


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SMALL_DOCS:
        shutil.copy(CORPUS_DIR / name, folder / name)
    return folder


def stored_state(service: Advisor) -> dict[str, set[str]]:
    return service.store.chunk_ids_by_document()


def expected_state(folder: Path) -> dict[str, set[str]]:
    state = {}
    for path in sorted(folder.glob("*.txt")):
        document = load_document(path, 10**7)
        state[document.doc_id] = {c.chunk_id for c in split_into_chunks(document)}
    return state


def test_reingesting_unchanged_corpus_writes_nothing(fresh_settings, embedder, small_corpus):
    service = Advisor(fresh_settings, embedder=embedder)
    first = service.ingest([small_corpus])
    assert sorted(first.added_documents) == [
        "career-as-medical-director",
        "recruitingblogs-become-medical-director",
    ]
    assert first.chunks_written == sum(len(ids) for ids in expected_state(small_corpus).values())
    version = service.store.version()

    second = service.ingest([small_corpus])
    assert second.chunks_written == 0 and second.chunks_deleted == 0
    assert sorted(second.unchanged_documents) == sorted(first.added_documents)
    assert service.store.version() == version  # nothing was written, not even the version
    assert stored_state(service) == expected_state(small_corpus)


def test_edited_document_replaces_its_old_chunks(fresh_settings, embedder, small_corpus):
    service = Advisor(fresh_settings, embedder=embedder)
    service.ingest([small_corpus])
    path = small_corpus / "career-as-medical-director.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "The role of a Medical Director can be demanding",
            "Protected leadership time matters. The role of a Medical Director can be demanding",
        ),
        encoding="utf-8",
    )

    report = service.ingest([small_corpus])
    assert report.updated_documents == ["career-as-medical-director"]
    assert report.chunks_written >= 1 and report.chunks_deleted >= 1
    assert stored_state(service) == expected_state(small_corpus)
    hits = service.retrieve("Protected leadership time matters", mode="bm25")
    assert "Protected leadership time matters." in hits[0].chunk.text


def test_prune_removes_deleted_documents_only_when_asked(fresh_settings, embedder, small_corpus):
    service = Advisor(fresh_settings, embedder=embedder)
    service.ingest([small_corpus])
    (small_corpus / "recruitingblogs-become-medical-director.txt").unlink()

    kept = service.ingest([small_corpus])
    assert kept.removed_documents == []
    assert "recruitingblogs-become-medical-director" in stored_state(service)

    pruned = service.ingest([small_corpus], prune=True)
    assert pruned.removed_documents == ["recruitingblogs-become-medical-director"]
    assert stored_state(service) == expected_state(small_corpus)
    assert [s.doc_id for s in service.sources()] == ["career-as-medical-director"]
    assert all(
        r.chunk.doc_id == "career-as-medical-director"
        for r in service.retrieve("diverse professional network", mode="bm25")
    )


@pytest.mark.slow  # a second Python process loads the model and ingests
def test_process_killed_mid_ingestion_is_completed_by_next_run(fresh_settings, embedder, small_corpus):
    """A real process dies (os._exit) after writing the new chunks but before deleting the stale ones."""
    service = Advisor(fresh_settings, embedder=embedder)
    service.ingest([small_corpus])
    path = small_corpus / "career-as-medical-director.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("rewarding", "very rewarding"), encoding="utf-8")

    script = textwrap.dedent(f"""
        import os
        from advisor.retrieval.store import ChunkStore
        from advisor.service import Advisor
        from advisor.settings import Settings
        ChunkStore.delete_chunks = lambda self, ids: os._exit(9)  # die between the two halves of the update
        settings = Settings(data_dir={str(fresh_settings.data_dir)!r}, _env_file=None)
        Advisor(settings).ingest([{str(small_corpus)!r}])
    """)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert killed.returncode == 9, killed.stderr.decode()[-2000:]

    interrupted = Advisor(fresh_settings, embedder=embedder)
    leftover = stored_state(interrupted)["career-as-medical-director"]
    assert (
        leftover > expected_state(small_corpus)["career-as-medical-director"]
    )  # old and new chunks both there

    report = interrupted.ingest([small_corpus])
    assert report.updated_documents == ["career-as-medical-director"]
    assert report.chunks_written == 0  # the new chunks were already stored; only stale ones go
    assert stored_state(interrupted) == expected_state(small_corpus)
    bm25_ids = {
        r.chunk.chunk_id
        for r in interrupted.retrieve("very rewarding influential", mode="bm25", k=50)
    }
    assert bm25_ids <= set().union(*expected_state(small_corpus).values())


def test_bad_files_get_errors_while_good_files_are_ingested(fresh_settings, embedder, tmp_path, bad_files):
    service = Advisor(fresh_settings, embedder=embedder)
    folder = bad_files
    shutil.copy(CORPUS_DIR / SMALL_DOCS[0], folder / SMALL_DOCS[0])
    report = service.ingest([folder])
    assert report.added_documents == ["career-as-medical-director"]
    failed = {Path(e.path).name: e.error for e in report.errors}
    assert set(failed) == set(bad_files_expected_errors())
    for name, fragment in bad_files_expected_errors().items():
        assert fragment in failed[name], (name, failed[name])


def bad_files_expected_errors() -> dict[str, str]:
    return {
        "empty.txt": "empty",
        "binary.txt": "binary",
        "latin1.txt": "UTF-8",
        "malformed.pdf": "malformed PDF",
        "encrypted.pdf": "encrypted",
        "huge.txt": "limit",
        "only-boilerplate.html": "no text left",
    }


def test_queries_are_served_from_the_current_index_while_another_thread_rebuilds(
    fresh_settings, embedder, small_corpus, monkeypatch
):
    """A BM25 rebuild after an ingest takes seconds on a large corpus: questions must not wait for it."""
    import threading

    from advisor.retrieval import index as search_index

    service = Advisor(fresh_settings, embedder=embedder)
    service.ingest([small_corpus / SMALL_DOCS[0]])
    index = service.index
    assert {c.doc_id for c in index.all_chunks()} == {"career-as-medical-director"}
    from advisor.ingestion.pipeline import ingest

    # The second document reaches the store without this retriever being told, as from another process.
    ingest([small_corpus / SMALL_DOCS[1]], fresh_settings, service.store, embedder)

    building, release = threading.Event(), threading.Event()
    real_build = search_index.BM25Index.build

    def slow_build(chunks, version):
        building.set()
        assert release.wait(30)
        return real_build(chunks, version)

    monkeypatch.setattr(search_index.BM25Index, "build", staticmethod(slow_build))
    rebuild = threading.Thread(target=index.refresh, kwargs={"force": True})
    rebuild.start()
    assert building.wait(30)
    index._checked_at = 0.0  # a question arriving now would check the store's version
    hits = service.retrieve("What does a medical director do?", mode="bm25")  # must not block
    assert hits and {h.chunk.doc_id for h in hits} == {"career-as-medical-director"}
    release.set()
    rebuild.join(30)
    assert {c.doc_id for c in index.all_chunks()} == {
        "career-as-medical-director", "recruitingblogs-become-medical-director"}


def test_the_source_list_is_read_again_only_when_the_store_changes(fresh_settings, embedder, small_corpus):
    service = Advisor(fresh_settings, embedder=embedder)
    service.ingest([small_corpus])
    reads = []
    read = service.store._read_sources
    service.store._read_sources = lambda: reads.append(1) or read()
    listed = service.sources()
    assert service.sources() == listed and len(reads) == 1
    assert {s.doc_id: s.chunk_count for s in listed} == {
        doc_id: len(ids) for doc_id, ids in expected_state(small_corpus).items()}

    other_worker = Advisor(fresh_settings, embedder=embedder)  # its own store object on the same data
    shutil.copy(CORPUS_DIR / "medical-director-next-calling.txt", small_corpus)
    other_worker.ingest([small_corpus])
    assert len(service.sources()) == 3 and len(reads) == 2
