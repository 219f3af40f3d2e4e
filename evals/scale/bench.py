"""Scale benchmark: ingestion throughput, store size and query latency at 1k, 10k and 100k chunks.

For each corpus size (shipped documents + synthetic ones from make_corpus.py) it measures, in one run:
bare sentence-transformers `encode` throughput on the size's chunks, the ingestion pipeline's throughput,
the store's size on disk, and p50/p95 query latency of dense, BM25 and hybrid retrieval as served (after
warm-up, query embedding included, the bounded cache cleared before each query), with the embedded store
and with a Chroma server on loopback.
Results merge into a JSON file, so sizes can be run one at a time; plot.py draws them.

    .venv/bin/python evals/scale/bench.py --sizes 1000 10000
    .venv/bin/python evals/scale/bench.py --sizes 100000 --server-ingest-max 10000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_corpus import make_corpus  # noqa: E402

from advisor.ingestion.chunking import split_into_chunks  # noqa: E402
from advisor.ingestion.pipeline import load_documents  # noqa: E402
from advisor.models import IngestReport  # noqa: E402
from advisor.retrieval.embeddings import SentenceTransformerEmbedder  # noqa: E402
from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402
from tests.integration.services import ChromaServer  # noqa: E402

MODES = ("dense", "bm25", "hybrid")
POOL = 1000  # real embeddings reused (with noise) to prefill large stores
ENCODE_SAMPLE = 5000  # chunks of each size encoded bare (all of them for smaller sizes)
RESULTS = Path(__file__).resolve().parent / "results.json"


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Answerable single-turn questions of the eval set, with their expected source documents."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows
            if not r.get("should_refuse") and len(r["turns"]) == 1 and r.get("expected_sources")]


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def encode_throughput(embedder: SentenceTransformerEmbedder, corpus: Path, settings: Settings,
                      texts: list[str] | None = None) -> dict[str, Any]:
    """Chunks per second of the bare model `encode` on `texts` (default: a sample of the corpus's chunks)."""
    if texts is None:
        documents = load_documents([corpus], settings, IngestReport())
        texts = [c.index_text() for d in documents for c in split_into_chunks(d, settings.chunk_size)]
    sample = random.Random(1).sample(texts, min(ENCODE_SAMPLE, len(texts)))
    model = embedder.load()
    started = time.perf_counter()
    model.encode(sample, batch_size=embedder.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started
    return {"chunks": len(sample), "seconds": round(seconds, 2),
            "chunks_per_s": round(len(sample) / seconds, 1)}


def ingest_with_pipeline(advisor: Advisor, corpus: Path) -> dict[str, Any]:
    """The real pipeline (`Advisor.ingest`): embedding + store writes, then the BM25 build, timed apart."""
    started = time.perf_counter()
    report = advisor.ingest([corpus])
    total = time.perf_counter() - started
    assert report.ok, report.errors[:3]
    return {"chunks": report.chunks_written, "seconds": round(report.seconds, 2),
            "chunks_per_s": round(report.chunks_written / report.seconds, 1),
            "bm25_build_seconds": round(total - report.seconds, 2)}


def prefill_store(advisor: Advisor, corpus: Path, tail_chunks: int) -> dict[str, Any]:
    """Write all but the last `tail_chunks` chunks straight into the store, with vectors reused from a pool
    of real embeddings (plus a little noise), so that the real pipeline then ingests the tail into a store
    of the full size. Embedding every chunk of 100k takes hours on a busy 2-core machine; the store's
    write and search costs, which grow with its size, are what this measures."""
    settings, embedder = advisor.settings, advisor.embedder
    documents = load_documents([corpus], settings, IngestReport())
    synthetic = [d for d in documents if d.doc_id.startswith("synthetic-")]
    per_doc = max(1, len(split_into_chunks(synthetic[0], settings.chunk_size))) if synthetic else 1
    head = synthetic[: max(0, len(synthetic) - tail_chunks // per_doc)]
    started = time.perf_counter()
    chunks = {d.doc_id: split_into_chunks(d, settings.chunk_size) for d in head}
    texts = [c.index_text() for cs in chunks.values() for c in cs]
    rng = np.random.default_rng(0)
    pool = embedder.embed(random.Random(2).sample(texts, min(POOL, len(texts)))) if texts else None
    written = 0
    with advisor.store.writer_lock():
        advisor.store.bump_version()
        batch: list = []
        for document in head:
            batch.extend(chunks[document.doc_id])
            advisor.store.upsert_document(document)
            if len(batch) >= 5000 or document is head[-1]:
                assert pool is not None
                noise = rng.normal(0, 0.02, (len(batch), pool.shape[1]))
                vectors = pool[rng.integers(0, len(pool), len(batch))] + noise
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                advisor.store.upsert_chunks(batch, vectors.astype(np.float32))
                written += len(batch)
                batch = []
        advisor.store.bump_version()
    return {"chunks": written, "seconds": round(time.perf_counter() - started, 2), "pool": POOL}


def tail_texts(advisor: Advisor, corpus: Path) -> list[str]:
    """The chunk texts the real pipeline still has to ingest after `prefill_store`."""
    stored = advisor.store.chunk_ids_by_document()
    documents = load_documents([corpus], advisor.settings, IngestReport())
    return [c.index_text() for d in documents if d.doc_id not in stored
            for c in split_into_chunks(d, advisor.settings.chunk_size)]


def copy_store(source: Advisor, target: Advisor) -> dict[str, Any]:
    """Copy chunks (with their vectors) and document records into another store, skipping re-embedding."""
    started = time.perf_counter()
    offset, page = 0, 2000
    while True:
        got = source.store.chunks.get(include=["embeddings", "metadatas", "documents"], limit=page,
                                      offset=offset)
        if not got["ids"]:
            break
        target.store.chunks.upsert(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"],
                                   documents=got["documents"])
        offset += len(got["ids"])
    docs = source.store.documents.get(include=["metadatas", "documents"])
    for i in range(0, len(docs["ids"]), 500):
        ids = docs["ids"][i : i + 500]
        target.store.documents.upsert(ids=ids, embeddings=[[1.0]] * len(ids),
                                      metadatas=docs["metadatas"][i : i + 500],
                                      documents=docs["documents"][i : i + 500])
    target.store.bump_version()
    target.index.refresh(force=True)
    return {"chunks": offset, "seconds": round(time.perf_counter() - started, 2), "copied": True}


def query_latencies(advisor: Advisor, questions: list[dict[str, Any]], rounds: int, budget_s: float
                    ) -> dict[str, Any]:
    """p50/p95 ms per mode over `rounds` passes of the questions; also the hybrid top-5 document hit rate.

    Measured as served: after `warm_up` (which pins every heading and answer sentence of a corpus of up to
    5,000 chunks, and nothing of a larger one), with the embedder's bounded cache cleared before each query,
    so every query is a new question whose own embeddings and uncached evidence count in its latency."""
    advisor.warm_up()
    timings: dict[str, list[float]] = {m: [] for m in MODES}
    hits: list[bool] = []
    cache = advisor.embedder._cache  # a query's embedding is part of its latency: no reuse across queries
    deadline = time.monotonic() + budget_s
    for n in range(rounds):
        for question in questions:
            for mode in MODES:
                cache.clear()
                started = time.perf_counter()
                found = advisor.retrieve(question["turns"][0], mode=mode, k=5)  # type: ignore[arg-type]
                timings[mode].append((time.perf_counter() - started) * 1000)
                if n == 0 and mode == "hybrid":
                    hits.append(bool({r.chunk.doc_id for r in found} & set(question["expected_sources"])))
            if time.monotonic() > deadline:
                break
    result: dict[str, Any] = {
        m: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 0.95), 1), "n": len(v)}
        for m, v in timings.items()}
    result["hybrid_top5_doc_hit_rate"] = round(sum(hits) / len(hits), 3) if hits else None
    return result


def bench_size(size: int, work: Path, embedder: SentenceTransformerEmbedder, questions: list[dict[str, Any]],
               rounds: int, server_ingest_max: int, budget_s: float, real_ingest_max: int,
               server_max: int) -> dict[str, Any]:
    corpus = make_corpus(size, work / "corpus")
    base = Settings(corpus_dir=corpus, embedding_backend=embedder.backend, _env_file=None)  # type: ignore[call-arg]
    row: dict[str, Any] = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    embedded = Advisor(base.model_copy(update={"data_dir": work / "embedded"}), embedder=embedder)
    tail: list[str] | None = None
    if size > real_ingest_max:
        print(f"[{size}] prefill", flush=True)
        row["prefill"] = prefill_store(embedded, corpus, real_ingest_max)
        tail = tail_texts(embedded, corpus)
    print(f"[{size}] bare encode", flush=True)
    row["encode"] = encode_throughput(embedder, corpus, base, tail)
    print(f"[{size}] embedded ingest", flush=True)
    row["embedded"] = {"ingest": ingest_with_pipeline(embedded, corpus)}
    row["embedded"]["store_mb"] = round(folder_mb(work / "embedded" / "chroma"), 1)
    row["embedded"]["bm25_mb"] = round(folder_mb(work / "embedded" / "bm25"), 1)
    print(f"[{size}] embedded queries", flush=True)
    row["embedded"]["query"] = query_latencies(embedded, questions, rounds, budget_s)

    if size > server_max:
        row["server"] = None  # not measured at this size (--server-max)
        row["chunks"] = embedded.store.count()
        row["load_after"] = [round(x, 2) for x in os.getloadavg()]
        return row
    server = ChromaServer(work / "server-chroma").start()
    try:
        served = Advisor(base.model_copy(update={"data_dir": work / "server", "chroma_url": server.url}),
                         embedder=embedder)
        print(f"[{size}] server ingest", flush=True)
        row["server"] = {"ingest": ingest_with_pipeline(served, corpus) if size <= server_ingest_max
                         else copy_store(embedded, served)}
        row["server"]["store_mb"] = round(folder_mb(work / "server-chroma"), 1)
        print(f"[{size}] server queries", flush=True)
        row["server"]["query"] = query_latencies(served, questions, rounds, budget_s)
    finally:
        server.stop()
    row["chunks"] = embedded.store.count()
    row["load_after"] = [round(x, 2) for x in os.getloadavg()]
    del embedded, served
    gc.collect()
    return row


def machine() -> dict[str, Any]:
    import torch

    return {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "top": subprocess.run(["sh", "-c", "top -bn1 | head -15"], capture_output=True, text=True).stdout}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--rounds", type=int, default=3, help="Passes over the questions per mode.")
    parser.add_argument("--budget", type=float, default=300.0, help="Seconds of querying per store, at most.")
    parser.add_argument("--server-ingest-max", type=int, default=10000,
                        help="Above this size the server gets a copy of the embedded store (no 2nd ingest).")
    parser.add_argument("--real-ingest-max", type=int, default=1_000_000,
                        help="Above this size, prefill the store and send only this many chunks through the "
                             "pipeline (vectors reused from a pool of real embeddings).")
    parser.add_argument("--server-max", type=int, default=1_000_000,
                        help="Above this size, measure the embedded store only (no Chroma server run).")
    parser.add_argument("--backend", choices=["torch", "onnx"], default="torch")
    parser.add_argument("--threads", type=int, default=None, help="Embedding threads (default: 1 per core).")
    parser.add_argument("--work", type=Path, default=Path("/tmp/advisor-scale"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--questions", type=Path, default=PROJECT_ROOT / "evals" / "questions.jsonl")
    args = parser.parse_args()

    questions = load_questions(args.questions)
    embedder = SentenceTransformerEmbedder(backend=args.backend, threads=args.threads)
    embedder.load()
    results = json.loads(args.out.read_text()) if args.out.exists() else {"sizes": {}}
    results["machine"] = machine()
    for size in args.sizes:
        work = args.work / str(size)
        shutil.rmtree(work, ignore_errors=True)
        row = bench_size(size, work, embedder, questions, args.rounds, args.server_ingest_max, args.budget,
                         args.real_ingest_max, args.server_max)
        row["backend"], row["threads"] = args.backend, args.threads
        results["sizes"][str(size)] = row
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(row, indent=2), flush=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
