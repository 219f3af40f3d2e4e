"""The Chroma vector store: chunks with their embeddings, plus one record per document.

Chroma is the source of truth for what is indexed. The BM25 index is derived from it and follows its
`index_version`, which every write changes.
"""

from __future__ import annotations

import fcntl
import functools
import json
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from advisor.models import Chunk, Document, SourceInfo
from advisor.settings import Settings

# The store's own record among the document records. Document ids are file names without their suffix,
# and a file name never holds "/", so no document can take this id.
_META_ID = "index/meta"
_PAGE_SIZE = 5000


_T = TypeVar("_T")


class StoreLockedError(RuntimeError):
    """Another process is writing to the same embedded store."""


class _ReopenGate:
    """Any number of store calls at once, or one `reopen` alone (it closes the client they would use)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._reopening = False

    @contextmanager
    def use(self) -> Iterator[None]:
        with self._cond:
            while self._reopening:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._reopening or self._active:
                self._cond.wait()
            self._reopening = True
        try:
            yield
        finally:
            with self._cond:
                self._reopening = False
                self._cond.notify_all()


def _gated(method: Callable[..., _T]) -> Callable[..., _T]:
    @functools.wraps(method)
    def wrapper(self: ChunkStore, *args: Any, **kwargs: Any) -> _T:
        with self._gate.use():
            return method(self, *args, **kwargs)

    return wrapper


def make_chroma_client(settings: Settings):  # -> chromadb.ClientAPI
    """An HTTP client when `chroma_url` is set, else an embedded persistent client in the data directory."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        headers = {}
        if settings.chroma_token:
            headers["Authorization"] = f"Bearer {settings.chroma_token.get_secret_value()}"
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            headers=headers,
            settings=chroma_settings,
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class ChunkStore:
    """Chunks and documents in Chroma (embedded or server), with a version that changes on every write."""

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._owns_client = client is None
        self._gate = _ReopenGate()
        self._sources: tuple[str, list[SourceInfo]] | None = None  # (store version, documents)
        self.client = client if client is not None else make_chroma_client(settings)
        self._open_collections()

    def _open_collections(self) -> None:
        self.chunks = self.client.get_or_create_collection(
            self.settings.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        self.documents = self.client.get_or_create_collection(
            f"{self.settings.collection_name}_documents", embedding_function=None
        )

    def reopen(self) -> bool:
        """Embedded store: reload it from disk so that another process's writes reach dense search.

        An open embedded client keeps its vector index in memory and does not see other processes'
        writes (its metadata reads do); a Chroma server needs nothing. Returns whether it reopened.
        """
        if self.settings.chroma_url or not self._owns_client:
            return False
        with self._gate.exclusive():
            close = getattr(self.client, "close", None)
            if close is not None:
                close()  # stops the shared system once no other client in this process uses the path
            self.client = make_chroma_client(self.settings)
            self._open_collections()
        return True

    # ---- writing -------------------------------------------------------------------------
    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Exclusive write access to an embedded store; a second writer is refused, not queued."""
        if self.settings.chroma_url:  # the server serialises writes itself
            yield
            return
        path = Path(self.settings.chroma_dir) / "writer.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreLockedError(
                    f"another process is writing to {self.settings.chroma_dir}; "
                    "the embedded store allows one "
                    "writer at a time (use a Chroma server, ADVISOR_CHROMA_URL, for several writers)"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @_gated
    def upsert_chunks(self, chunks: list[Chunk], embeddings: np.ndarray) -> None:
        for i in range(0, len(chunks), _PAGE_SIZE):
            batch = chunks[i : i + _PAGE_SIZE]
            self.chunks.upsert(
                ids=[c.chunk_id for c in batch],
                embeddings=embeddings[i : i + _PAGE_SIZE],
                documents=[c.text for c in batch],
                metadatas=[_chunk_metadata(c) for c in batch],
            )

    @_gated
    def delete_chunks(self, chunk_ids: list[str]) -> None:
        for i in range(0, len(chunk_ids), _PAGE_SIZE):
            self.chunks.delete(ids=chunk_ids[i : i + _PAGE_SIZE])

    @_gated
    def upsert_document(self, document: Document) -> None:
        meta = {
            "title": document.title,
            "source_path": document.source_path,
            "content_hash": document.content_hash,
            "pages": json.dumps(document.pages),
            "kind": "document",
        }
        if document.site:
            meta["site"] = document.site
        self.documents.upsert(
            ids=[document.doc_id], embeddings=[[1.0]], documents=[document.text], metadatas=[meta]
        )

    @_gated
    def delete_document(self, doc_id: str) -> None:
        self.documents.delete(ids=[doc_id])

    @_gated
    def bump_version(self) -> str:
        """Mark the index as changed, so that BM25 indexes in every process rebuild."""
        version = uuid.uuid4().hex
        self.documents.upsert(
            ids=[_META_ID],
            embeddings=[[1.0]],
            documents=[""],
            metadatas=[{"version": version, "kind": "meta"}],
        )
        return version

    # ---- reading -------------------------------------------------------------------------
    @_gated
    def version(self) -> str:
        got = self.documents.get(ids=[_META_ID], include=["metadatas"])
        metas = got.get("metadatas") or []
        return str(metas[0]["version"]) if metas else "empty"

    @_gated
    def chunk_ids_by_document(self) -> dict[str, set[str]]:
        """Every stored chunk id grouped by document id (including documents with no record)."""
        grouped: dict[str, set[str]] = {}
        for ids, metas, _ in self._pages(include=["metadatas"]):
            for chunk_id, meta in zip(ids, metas, strict=True):
                grouped.setdefault(str(meta["doc_id"]), set()).add(chunk_id)
        return grouped

    @_gated
    def all_chunks(self) -> list[Chunk]:
        chunks: list[Chunk] = []
        for ids, metas, docs in self._pages(include=["metadatas", "documents"]):
            chunks.extend(_chunk_from(i, m, d) for i, m, d in zip(ids, metas, docs, strict=True))
        return chunks

    @_gated
    def count(self) -> int:
        return int(self.chunks.count())

    def query(self, embedding: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with their cosine similarity, best first."""
        return self.query_many([embedding], k)[0]

    @_gated
    def query_many(self, embeddings: list[np.ndarray], k: int,
                   known: Mapping[str, Chunk] | None = None) -> list[list[tuple[Chunk, float]]]:
        """`query` for several vectors in one call to the store.

        With `known` (chunks the caller already holds, by id) the store returns only ids and distances, and
        fetches the text of any other hit afterwards: reading texts and metadata is most of a query's cost.
        """
        # An empty collection answers with empty lists, and k beyond its size with fewer hits.
        if k <= 0 or not embeddings:
            return [[] for _ in embeddings]
        include = ["distances"] if known is not None else ["metadatas", "documents", "distances"]
        result = self.chunks.query(query_embeddings=list(embeddings), n_results=k, include=include)
        if known is None:
            chunks = {i: _chunk_from(i, m, d)
                      for ids, metas, docs in zip(result["ids"], result["metadatas"], result["documents"],
                                                  strict=True)
                      for i, m, d in zip(ids, metas, docs, strict=True)}
        else:
            missing = list({i for ids in result["ids"] for i in ids if i not in known})
            chunks = {**known, **self._chunks_by_id(missing)}
        return [
            [(chunks[i], 1.0 - float(dist)) for i, dist in zip(ids, distances, strict=True) if i in chunks]
            for ids, distances in zip(result["ids"], result["distances"], strict=True)
        ]

    def _chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        if not chunk_ids:
            return {}
        got = self.chunks.get(ids=chunk_ids, include=["metadatas", "documents"])
        return {i: _chunk_from(i, m, d)
                for i, m, d in zip(got["ids"], got["metadatas"], got["documents"], strict=True)}

    @_gated
    def chunk_embeddings(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self.chunks.get(ids=chunk_ids, include=["embeddings"])
        return {
            i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)
        }

    @_gated
    def mean_embedding(self, sample: int = 5000) -> np.ndarray | None:
        """The mean chunk vector (over at most `sample` chunks): the direction every chunk shares."""
        got = self.chunks.get(include=["embeddings"], limit=sample)
        embeddings = got.get("embeddings")
        if embeddings is None or len(embeddings) == 0:
            return None
        return np.asarray(embeddings, dtype=np.float32).mean(axis=0)

    def document_records(self) -> dict[str, dict[str, Any]]:
        got = self.documents.get(where={"kind": "document"}, include=["metadatas"])
        return {i: dict(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    @_gated
    def get_document(self, doc_id: str) -> Document | None:
        got = self.documents.get(ids=[doc_id], include=["metadatas", "documents"])
        # (a store written before the meta record moved to `_META_ID` still holds one as "__index_meta__")
        if not got["ids"] or doc_id == _META_ID or got["metadatas"][0].get("kind") != "document":
            return None
        meta, text = got["metadatas"][0], got["documents"][0]
        return Document(
            doc_id=doc_id,
            title=str(meta["title"]),
            text=text,
            source_path=str(meta["source_path"]),
            site=meta.get("site"),
            content_hash=str(meta["content_hash"]),
            pages=[tuple(p) for p in json.loads(str(meta.get("pages") or "[]"))],
        )

    def list_sources(self) -> list[SourceInfo]:
        """The documents with their chunk counts, read again only when the store's version has changed
        (counting reads every chunk's metadata: ~6 ms for the shipped corpus, seconds at 100k chunks)."""
        version = self.version()
        listed = self._sources
        if listed is None or listed[0] != version:
            listed = self._sources = (version, self._read_sources())
        return list(listed[1])

    def _read_sources(self) -> list[SourceInfo]:
        counts = {doc_id: len(ids) for doc_id, ids in self.chunk_ids_by_document().items()}
        return [
            SourceInfo(
                doc_id=doc_id,
                title=str(meta["title"]),
                site=meta.get("site"),
                source_path=str(meta["source_path"]),
                chunk_count=counts.get(doc_id, 0),
            )
            for doc_id, meta in sorted(self.document_records().items())
        ]

    def _pages(self, include: list[str]) -> Iterator[tuple[list[str], list[dict], list[str]]]:
        offset = 0
        while True:
            got = self.chunks.get(include=include, limit=_PAGE_SIZE, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            yield ids, got.get("metadatas") or [{}] * len(ids), got.get("documents") or [""] * len(ids)
            offset += len(ids)


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "section": chunk.section,
        "start": chunk.start,
        "end": chunk.end,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.roles:
        meta["roles"] = chunk.roles
    return meta


def _chunk_from(chunk_id: str, meta: dict[str, Any], text: str) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        title=str(meta["title"]),
        section=str(meta["section"]),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        page=int(meta["page"]) if meta.get("page") is not None else None,
        roles=str(meta.get("roles") or ""),
    )
