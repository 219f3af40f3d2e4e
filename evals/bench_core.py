"""Benchmark of the core advisor (issue 2): run `make bench` or `.venv/bin/python evals/bench_core.py`.

Measures, on this machine, medians over several runs:
- warm `Advisor.ask` latency on the shipped corpus (model and index loaded; every question's own embedding
  computed afresh in each round, so no answer comes from a cache);
- ingesting the shipped corpus from scratch in a new process (imports and model load included), and
  re-ingesting it unchanged;
- ingestion throughput on a synthetic corpus of >= 2,000 chunks against bare sentence-transformers `encode`
  of the same chunk texts, both in this run;
- peak RSS of a process that answers every question of the shipped set.
Writes evals/CORE_BENCHMARKS.md (and prints it).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.evaluation.questions import load_questions  # noqa: E402
from advisor.ingestion.chunking import split_into_chunks  # noqa: E402
from advisor.ingestion.loaders import load_document  # noqa: E402
from advisor.retrieval.embeddings import SentenceTransformerEmbedder  # noqa: E402
from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402
from advisor.text import split_sentences  # noqa: E402

CORPUS = ROOT / "corpus"
ROUNDS = 5


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cli(args: list[str], data_dir: Path) -> float:
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "advisor", *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def bench_ingest() -> dict[str, float]:
    cold, warm = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            cold.append(cli(["ingest", "--quiet", str(CORPUS)], Path(tmp)))
            warm.append(cli(["ingest", "--quiet", str(CORPUS)], Path(tmp)))
    return {"ingest_scratch_s": statistics.median(cold), "reingest_unchanged_s": statistics.median(warm)}


def bench_ask(embedder: SentenceTransformerEmbedder) -> dict[str, float]:
    questions = [q.question for q in load_questions() if not q.history_turns]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), answer_cache_size=0, _env_file=None)  # type: ignore[call-arg]
        advisor = Advisor(settings, embedder=embedder)
        advisor.ingest()
        p50s, p95s = [], []
        for _ in range(ROUNDS):
            embedder._cache.clear()  # every question embedded afresh; answer units re-cached by warm_up
            advisor.warm_up()
            timings = []
            for question in questions:
                started = time.perf_counter()
                advisor.ask(question)
                timings.append((time.perf_counter() - started) * 1000)
            p50s.append(statistics.median(timings))
            p95s.append(percentile(timings, 0.95))
    return {
        "ask_p50_ms": statistics.median(p50s),
        "ask_p95_ms": statistics.median(p95s),
        "ask_questions": len(questions),
        "ask_rounds": ROUNDS,
    }


def synthetic_corpus(folder: Path, documents: int = 220, seed: int = 7) -> None:
    """Documents made of the shipped sentences shuffled across documents (no paraphrase)."""
    sentences = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = load_document(path, 10**7).text
        for block in text.split("\n\n"):
            sentences += [u.text for u in split_sentences(block)]
    rng = random.Random(seed)
    for i in range(documents):
        paragraphs = []
        for _ in range(14):
            paragraphs.append(" ".join(rng.sample(sentences, 4)))
        (folder / f"synthetic-{i:04d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")


def bench_throughput(embedder: SentenceTransformerEmbedder) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        synthetic_corpus(folder)
        chunks = [c for p in sorted(folder.glob("*.txt")) for c in split_into_chunks(load_document(p, 10**7))]
        texts = [c.index_text() for c in chunks]
        model = embedder.load()
        bare, pipeline = [], []
        for run in range(3):
            embedder.use_threads(None)  # the batch setting the pipeline's encodes get (not the query one)
            started = time.perf_counter()
            model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
            bare.append(len(texts) / (time.perf_counter() - started))
            advisor = Advisor(
                Settings(data_dir=Path(tmp) / f"data{run}", _env_file=None),  # type: ignore[call-arg]
                embedder=embedder,
            )
            started = time.perf_counter()
            report = advisor.ingest([folder])
            pipeline.append(report.chunks_written / (time.perf_counter() - started))
    return {
        "chunks": len(chunks),
        "bare_encode_chunks_per_s": statistics.median(bare),
        "ingest_chunks_per_s": statistics.median(pipeline),
        "ingest_share_of_bare": statistics.median(pipeline) / statistics.median(bare),
    }


RSS_SCRIPT = """
import json, resource, sys, tempfile
from pathlib import Path
from advisor.evaluation.questions import load_questions
from advisor.service import Advisor
from advisor.settings import Settings
with tempfile.TemporaryDirectory() as tmp:
    advisor = Advisor(Settings(data_dir=Path(tmp), answer_cache_size=0, _env_file=None))
    advisor.ingest()
    advisor.warm_up()
    for q in load_questions():
        advisor.ask(q.question)
print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def bench_rss() -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    load = os.getloadavg()[0]
    embedder = SentenceTransformerEmbedder()
    embedder.load()
    results: dict[str, float] = {}
    results.update(bench_ask(embedder))
    results.update(bench_ingest())
    results.update(bench_throughput(embedder))
    results.update(bench_rss())
    results["load_average_at_start"] = load
    lines = [
        "# Core benchmarks (issue 2)",
        "",
        f"Measured by `evals/bench_core.py` on a 2-core machine (load average {load:.1f} at start). Medians.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| warm `Advisor.ask` p50 ({results['ask_questions']} questions x {ROUNDS} rounds) "
        f"| {results['ask_p50_ms']:.1f} ms | <= 30 ms |",
        f"| warm `Advisor.ask` p95 | {results['ask_p95_ms']:.1f} ms | <= 60 ms |",
        f"| ingest shipped corpus from scratch, new process, model load included "
        f"| {results['ingest_scratch_s']:.1f} s | <= 15 s |",
        f"| re-ingest unchanged corpus, new process | {results['reingest_unchanged_s']:.1f} s | <= 3 s |",
        f"| bare `encode` throughput, {results['chunks']:.0f} synthetic chunks "
        f"| {results['bare_encode_chunks_per_s']:.0f} chunks/s | |",
        f"| ingestion throughput, same chunks | {results['ingest_chunks_per_s']:.0f} chunks/s "
        f"({results['ingest_share_of_bare']:.0%} of bare) | >= 80% of bare |",
        f"| peak RSS of a process answering the question set | {results['peak_rss_mb']:.0f} MB "
        "| <= 1,536 MB |",
        "",
    ]
    report = "\n".join(lines)
    (ROOT / "evals" / "CORE_BENCHMARKS.md").write_text(report, encoding="utf-8")
    print(report)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
