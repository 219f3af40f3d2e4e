"""Ingestion: files -> cleaned documents -> chunks -> embeddings -> store, incrementally and crash-safely.

Chunk ids are content hashes, so the store itself says what is already indexed: an unchanged document
is skipped without loading the model, an edited one gets only its new chunks embedded and its stale
ones deleted, and a run killed half-way is completed by the next run (no duplicates, no orphans).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from advisor.ingestion.chunking import split_into_chunks
from advisor.ingestion.loaders import DocumentError, iter_source_files, load_document, load_manifest
from advisor.models import Chunk, Document, IngestError, IngestReport
from advisor.retrieval.embeddings import SentenceTransformerEmbedder
from advisor.retrieval.store import ChunkStore
from advisor.settings import Settings

EMBED_BATCH = 512


def load_documents(
    paths: Iterable[Path], settings: Settings, report: IngestReport, progress: bool = False
) -> list[Document]:
    """Every readable document under `paths`; unreadable files are recorded in `report.errors`."""
    documents: list[Document] = []
    seen: dict[str, str] = {}
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    files = list(iter_source_files(paths))
    for path in tqdm(files, desc="Reading", unit="file", disable=not progress):
        try:
            folder = path.parent
            if folder not in manifests:
                manifests[folder] = load_manifest(folder)
            document = load_document(path, settings.max_file_bytes, manifests[folder])
        except DocumentError as exc:
            report.errors.append(IngestError(path=str(path), error=str(exc)))
            continue
        except OSError as exc:
            report.errors.append(
                IngestError(path=str(path), error=f"cannot read file ({exc.strerror or exc})")
            )
            continue
        if document.doc_id in seen:
            report.errors.append(
                IngestError(
                    path=str(path),
                    error=f"document id {document.doc_id!r} is already used by {seen[document.doc_id]}",
                )
            )
            continue
        seen[document.doc_id] = str(path)
        documents.append(document)
    return documents


def ingest(
    paths: Iterable[Path],
    settings: Settings,
    store: ChunkStore,
    embedder: SentenceTransformerEmbedder,
    prune: bool = False,
    progress: bool = False,
) -> IngestReport:
    """Bring the store in line with the documents under `paths` (and, with `prune`, drop all others)."""
    started = time.perf_counter()
    report = IngestReport()
    paths = list(paths)
    documents = load_documents(paths, settings, report, progress)
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
        kept = {d.doc_id for d in documents} | {Path(e.path).stem for e in report.errors}
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
