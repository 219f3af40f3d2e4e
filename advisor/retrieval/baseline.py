"""The "textbook LangChain" baseline retriever the evaluation compares the advisor against.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the same cleaned documents, the same
MiniLM embedder, and plain Chroma top-4 in a collection of its own (`<collection_name>_baseline`) in the same
Chroma client. It is built on first use and rebuilt whenever the main store's version changes.
"""

from __future__ import annotations

import threading
from typing import Any

from advisor.models import Chunk, RetrievedChunk
from advisor.retrieval.base import Ranking, Retriever
from advisor.retrieval.index import SearchIndex

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
_VERSION_KEY = "source_version"


class BaselineRetriever(Retriever):
    """Fixed-size chunks + dense top-4: no section headings, no keyword search, no fusion."""

    name = "baseline"

    def __init__(self, index: SearchIndex, k: int = TOP_K) -> None:
        super().__init__(index)
        self.store = index.store
        self.embedder = index.embedder
        self.k = k
        self.collection_name = f"{self.settings.collection_name}_baseline"
        self._collection: Any = None
        self._version: str | None = None
        self._lock = threading.Lock()

    def split_documents(self) -> list[Chunk]:
        """Every indexed document, cleaned text, split the textbook way (character offsets kept)."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                                  add_start_index=True)
        chunks: list[Chunk] = []
        for source in self.store.list_sources():
            document = self.store.get_document(source.doc_id)
            if document is None:
                continue
            for i, piece in enumerate(splitter.create_documents([document.text])):
                start = int(piece.metadata.get("start_index", document.text.find(piece.page_content)))
                chunks.append(Chunk(chunk_id=f"baseline-{document.doc_id}-{i}", doc_id=document.doc_id,
                                    title=document.title, section="", text=piece.page_content, start=start,
                                    end=start + len(piece.page_content), page=document.page_at(start)))
        return chunks

    def ensure_built(self) -> None:
        """(Re)build the baseline collection when it is missing or the main store has changed since."""
        version = self.store.version()
        if self._collection is not None and self._version == version:
            return
        with self._lock:
            client = self.store.client
            collection = client.get_or_create_collection(
                self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
            if (collection.metadata or {}).get(_VERSION_KEY) != version or collection.count() == 0:
                client.delete_collection(self.collection_name)
                collection = client.create_collection(
                    self.collection_name, metadata={"hnsw:space": "cosine", _VERSION_KEY: version},
                    embedding_function=None)
                chunks = self.split_documents()
                if chunks:
                    collection.add(ids=[c.chunk_id for c in chunks],
                                   embeddings=self.embedder.embed([c.text for c in chunks]),
                                   documents=[c.text for c in chunks],
                                   metadatas=[_metadata(c) for c in chunks])
            self._collection, self._version = collection, version

    def retrieve(self, query: str, k: int | None = None) -> list[RetrievedChunk]:
        """The textbook pipeline's own top k (4), whatever the caller asks for."""
        return super().retrieve(query, self.k)

    def rank(self, query: str, candidates: int) -> Ranking:
        """The baseline's own k (4) chunks nearest to `query` by cosine similarity, best first."""
        self.ensure_built()
        if self._collection is None or self._collection.count() == 0:
            return Ranking(ranked=[])
        vector = self.embedder.embed_cached([query])[0]
        got = self._collection.query(query_embeddings=[vector], n_results=self.k,
                                     include=["metadatas", "documents", "distances"])
        results: list[tuple[Chunk, float]] = []
        columns = zip(got["ids"][0], got["metadatas"][0], got["documents"][0], got["distances"][0],
                      strict=True)
        for chunk_id, meta, text, distance in columns:
            similarity = 1.0 - float(distance)
            chunk = Chunk(chunk_id=chunk_id, doc_id=str(meta["doc_id"]), title=str(meta["title"]), section="",
                          text=text, start=int(meta["start"]), end=int(meta["end"]),
                          page=int(meta["page"]) if meta.get("page") is not None else None)
            results.append((chunk, similarity))
        return Ranking(ranked=results, dense=results)


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {"doc_id": chunk.doc_id, "title": chunk.title, "start": chunk.start,
                            "end": chunk.end}
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta
