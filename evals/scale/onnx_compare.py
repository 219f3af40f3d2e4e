"""ONNX Runtime vs PyTorch for the embedding model: encode throughput, query latency, identical retrieval.

Both backends embed the same chunk texts (the shipped ones plus synthetic ones from make_corpus.py),
alternating run by run so that other load on the machine hits both alike; medians are reported. Retrieval
is compared on the shipped corpus: the top-5 chunk ids of every eval question, dense and hybrid.

    .venv/bin/python evals/scale/onnx_compare.py [--chunks 1000 --runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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

BACKENDS = ("torch", "onnx")
VARIANTS = ("torch", "torch_1_thread", "onnx")  # torch with one thread: what a loaded or shared core needs
OUT = Path(__file__).resolve().parent / "onnx_results.json"


def chunk_texts(count: int, work: Path) -> list[str]:
    corpus = make_corpus(count, work / "corpus")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    documents = load_documents([corpus], settings, IngestReport())
    return [c.index_text() for d in documents for c in split_into_chunks(d, settings.chunk_size)][:count]


def all_questions() -> list[str]:
    lines = (PROJECT_ROOT / "evals" / "questions.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [r["turns"][0] for r in rows]


def top5(service: Advisor, questions: list[str], mode: str) -> list[list[str]]:
    return [[r.chunk.chunk_id for r in service.retrieve(q, mode=mode, k=5)]  # type: ignore[arg-type]
            for q in questions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000, help="Chunk texts encoded per run.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="advisor-onnx-"))
    texts = chunk_texts(args.chunks, work)
    questions = all_questions()
    embedders = {b: SentenceTransformerEmbedder(backend=b) for b in BACKENDS}
    result: dict[str, Any] = {"chunks": len(texts), "questions": len(questions), "runs": args.runs,
                              "load_before": list(os.getloadavg())}
    for backend, embedder in embedders.items():
        started = time.perf_counter()
        embedder.load()
        embedder.embed(texts[:64])
        result[f"{backend}_load_seconds"] = round(time.perf_counter() - started, 2)

    import torch

    default_threads = torch.get_num_threads()
    throughput: dict[str, list[float]] = {v: [] for v in VARIANTS}
    latency: dict[str, list[float]] = {v: [] for v in VARIANTS}
    vectors = {}
    for _ in range(args.runs):
        for backend in VARIANTS:
            embedder = embedders["onnx" if backend == "onnx" else "torch"]
            torch.set_num_threads(1 if backend == "torch_1_thread" else default_threads)
            started = time.perf_counter()
            vectors[backend] = embedder.embed(texts)
            throughput[backend].append(len(texts) / (time.perf_counter() - started))
            for question in random.Random(0).sample(questions, min(40, len(questions))):
                started = time.perf_counter()
                embedder.embed([question])
                latency[backend].append((time.perf_counter() - started) * 1000)
    torch.set_num_threads(default_threads)
    result["torch_default_threads"] = default_threads
    for backend in VARIANTS:
        ordered = sorted(latency[backend])
        result[backend] = {"encode_chunks_per_s": round(statistics.median(throughput[backend]), 1),
                           "encode_runs": [round(x, 1) for x in throughput[backend]],
                           "query_embed_p50_ms": round(statistics.median(ordered), 1),
                           "query_embed_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}
    torch_row, onnx_row = result["torch"], result["onnx"]
    result["speedup_encode"] = round(onnx_row["encode_chunks_per_s"] / torch_row["encode_chunks_per_s"], 2)
    result["speedup_query"] = round(torch_row["query_embed_p50_ms"] / onnx_row["query_embed_p50_ms"], 2)
    one = result["torch_1_thread"]
    result["speedup_vs_torch_1_thread"] = {
        "encode": round(onnx_row["encode_chunks_per_s"] / one["encode_chunks_per_s"], 2),
        "query": round(one["query_embed_p50_ms"] / onnx_row["query_embed_p50_ms"], 2)}
    result["max_abs_vector_diff"] = float(abs(vectors["onnx"] - vectors["torch"]).max())

    services = {}
    for backend, embedder in embedders.items():
        settings = Settings(data_dir=work / f"data-{backend}", embedding_backend=backend,  # type: ignore[call-arg]
                            _env_file=None)
        services[backend] = Advisor(settings, embedder=embedder)
        services[backend].ingest()
    for mode in ("dense", "hybrid"):
        same = [a == b for a, b in zip(top5(services["torch"], questions, mode),
                                       top5(services["onnx"], questions, mode), strict=True)]
        result[f"identical_top5_{mode}"] = f"{sum(same)}/{len(same)}"
    result["load_after"] = list(os.getloadavg())
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
