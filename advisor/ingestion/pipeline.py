"""Ingestion: files -> cleaned documents -> chunks -> embeddings -> store, incrementally and crash-safely.

Chunk ids are content hashes, so the store itself says what is already indexed: an unchanged document
is skipped without loading the model, an edited one gets only its new chunks embedded and its stale
ones deleted, and a run killed half-way is completed by the next run (no duplicates, no orphans).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from advisor.ingestion.chunking import split_into_chunks
from advisor.ingestion.loaders import (
    MANIFEST_NAME,
    DocumentError,
    display_path,
    iter_source_files,
    load_document,
    load_manifest,
    printable,
)
from advisor.models import Chunk, Document, IngestError, IngestReport
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.store import ChunkStore
from advisor.settings import Settings

EMBED_BATCH = 512

logger = logging.getLogger(__name__)


def load_documents(
    paths: Iterable[Path],
    settings: Settings,
    report: IngestReport,
    progress: bool = False,
    follow_symlinks: bool = False,
) -> list[Document]:
    """Every readable document under `paths`; every file that fails is recorded in `report.errors`."""
    return _load_documents(paths, settings, report, progress, follow_symlinks)[0]


def _load_documents(
    paths: Iterable[Path], settings: Settings, report: IngestReport, progress: bool, follow_symlinks: bool
) -> tuple[list[Document], set[str]]:
    """The documents, and the ids of files that are there but failed to load (never pruned for it).

    A failure of one file, whatever it is, becomes an `IngestError` naming that file: it never stops
    the others.
    """
    documents: list[Document] = []
    failed_ids: set[str] = set()
    seen: dict[str, str] = {}
    manifests: dict[Path, dict[str, dict[str, str]]] = {}

    def fail(path: Path, error: str) -> None:
        report.errors.append(IngestError(path=display_path(path), error=printable(error, 500)))

    files = list(iter_source_files(paths, follow_symlinks=follow_symlinks, on_skip=fail))
    for path in tqdm(files, desc="Reading", unit="file", disable=not progress):
        folder = path.parent
        if folder not in manifests:
            manifests[folder] = {}
            try:
                manifests[folder] = load_manifest(folder, follow_symlinks=follow_symlinks)
            except DocumentError as exc:
                fail(folder / MANIFEST_NAME, f"{exc}; the folder's documents are read without it")
            except Exception as exc:  # one bad manifest must not stop the ingest
                logger.debug("manifest %s", display_path(folder / MANIFEST_NAME), exc_info=True)
                fail(folder / MANIFEST_NAME, f"cannot read manifest ({_describe(exc)})")
        try:
            document = load_document(path, settings.max_file_bytes, manifests[folder])
        except DocumentError as exc:
            fail(path, str(exc))
            failed_ids.add(path.stem)
            continue
        except OSError as exc:
            fail(path, f"cannot read file ({exc.strerror or exc})")
            failed_ids.add(path.stem)
            continue
        except Exception as exc:  # a parser bug on one file must not stop the ingest
            logger.debug("loading %s", display_path(path), exc_info=True)
            fail(path, f"cannot read file ({_describe(exc)})")
            failed_ids.add(path.stem)
            continue
        if document.doc_id in seen:
            fail(path, f"document id {document.doc_id!r} is already used by {seen[document.doc_id]}")
            continue
        seen[document.doc_id] = display_path(path)
        documents.append(document)
    return documents, failed_ids


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def ingest(
    paths: Iterable[Path],
    settings: Settings,
    store: ChunkStore,
    embedder: SentenceTransformerEmbedder,
    prune: bool = False,
    progress: bool = False,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Bring the store in line with the documents under `paths` (and, with `prune`, drop all others).

    Symbolic links leading out of a folder are skipped unless `follow_symlinks`. Files that fail are
    listed in the report's `errors`; the others are ingested all the same.
    """
    started = time.perf_counter()
    report = IngestReport()
    paths = list(paths)
    documents, failed_ids = _load_documents(paths, settings, report, progress, follow_symlinks)
    with store.writer_lock():
        stored_ids = store.chunk_ids_by_document()
        records = store.document_records()
        changed: list[tuple[Document, list[Chunk]]] = []
        for document in documents:
            chunks = split_into_chunks(document, settings.chunk_size)
            wanted = {c.chunk_id for c in chunks}
            record = records.get(document.doc_id)
            if (
                record
                and record.get("content_hash") == document.content_hash
                and stored_ids.get(document.doc_id) == wanted
            ):
                report.unchanged_documents.append(document.doc_id)
                continue
            (
                report.updated_documents
                if document.doc_id in records or document.doc_id in stored_ids
                else report.added_documents
            ).append(document.doc_id)
            changed.append((document, chunks))
        kept = {d.doc_id for d in documents} | failed_ids
        removed = sorted((set(stored_ids) | set(records)) - kept) if prune else []
        if not changed and not removed:
            report.seconds = time.perf_counter() - started
            return report

        store.bump_version()  # readers rebuild BM25 from whatever state a crash might leave
        missing = [
            c for d, chunks in changed for c in chunks if c.chunk_id not in stored_ids.get(d.doc_id, set())
        ]
        report.chunks_written = _embed_and_store(missing, store, embedder, progress)
        for document, chunks in changed:
            stale = sorted(stored_ids.get(document.doc_id, set()) - {c.chunk_id for c in chunks})
            store.delete_chunks(stale)
            report.chunks_deleted += len(stale)
            store.upsert_document(document)
        for doc_id in removed:
            stale = sorted(stored_ids.get(doc_id, set()))
            store.delete_chunks(stale)
            store.delete_document(doc_id)
            report.chunks_deleted += len(stale)
            report.removed_documents.append(doc_id)
        store.bump_version()
    report.seconds = time.perf_counter() - started
    return report


def _embed_and_store(
    chunks: list[Chunk], store: ChunkStore, embedder: SentenceTransformerEmbedder, progress: bool
) -> int:
    """Embed in large batches while the previous batch is written, so the store never idles the model."""
    if not chunks:
        return 0
    bar = tqdm(total=len(chunks), desc="Embedding", unit="chunk", disable=not progress)
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future[None] | None = None
        for i in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[i : i + EMBED_BATCH]
            vectors = embedder.embed([c.index_text() for c in batch])
            if pending is not None:
                pending.result()
            pending = writer.submit(store.upsert_chunks, batch, vectors)
            bar.update(len(batch))
        if pending is not None:
            pending.result()
    bar.close()
    return len(chunks)
