"""kill -9 during ingestion: `advisor ingest` is SIGKILLed mid-write, the next run must leave the exact index.

Each trial starts `advisor ingest` in a subprocess, waits until it takes the store's writer lock (it has
read the documents; embedding and writing follow), then sends SIGKILL after a random delay spread over the
rest of a clean run (the write phase: model loading, embedding, chunk writes and deletions, BM25, the saved
warm-up vectors). It then inspects what the
killed run left, runs `advisor ingest` again to completion, and checks the store against a reference
ingest of the same documents in a clean directory: the same chunk ids per document, the same document
records, BM25 built over exactly those chunks, no leftover lock (the run after is not refused), and a
further run that finds every document unchanged. Trials alternate between two versions of the documents
(the second edits a third of them), so half the kills land in an update, with stale chunks to delete.

    .venv/bin/python evals/reliability/kill_trials.py [--trials 12] [--documents 60] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ADVISOR = Path(sys.executable).with_name("advisor")
CORPUS = ROOT / "corpus"


@dataclass
class Trial:
    number: int
    version: str
    delay: float  # seconds after the run reported embedding
    killed_while_running: bool = False
    left: str = ""  # what the killed run left: "nothing new", "part", "all"
    chunks_after_kill: int = 0
    recovered: bool = False
    problems: list[str] = field(default_factory=list)


def write_versions(folder: Path, documents: int) -> tuple[Path, Path]:
    """Version A (the shipped corpus and `documents` generated articles) and B (a third of them edited)."""
    from evals.reliability.planted import make_planted_documents

    a, b = folder / "a", folder / "b"
    make_planted_documents(a / "articles", documents, seed=11)
    for path in CORPUS.iterdir():
        shutil.copy(path, a / path.name)
    shutil.copytree(a, b)
    for i, path in enumerate(sorted((b / "articles").iterdir())):
        if i % 3 == 0:
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("medical director", "medical director (an edited revision)", 1),
                            encoding="utf-8")
    return a, b


def run_ingest(data: Path, documents: Path, capture: bool = True) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ADVISOR_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    command = [str(ADVISOR), "ingest", "--quiet", str(documents)]
    out = subprocess.PIPE if capture else subprocess.DEVNULL  # a run to be killed is never read
    return subprocess.Popen(command, env=env, stdout=out, stderr=out)


def wait_for_writer_lock(process: subprocess.Popen[bytes], data: Path, since: float) -> bool:
    """Wait until the run opens the store's writer lock (the file is rewritten then); False if it ended."""
    lock = data / "chroma" / "writer.lock"
    while process.poll() is None:
        try:
            if lock.stat().st_mtime >= since:
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    return False


def ingest_to_completion(data: Path, documents: Path) -> tuple[int, str]:
    done = run_ingest(data, documents)
    out, err = done.communicate(timeout=900)
    return done.returncode, (out + err).decode("utf-8", "replace")


def inspect(data: Path) -> dict:
    """The store's state, read in a separate process (an embedded Chroma client caches per path)."""
    script = (
        "import json,sys\n"
        "from advisor.settings import Settings\n"
        "from advisor.retrieval.store import ChunkStore\n"
        "from advisor.retrieval.index import SearchIndex\n"
        "from advisor.retrieval.embeddings import SentenceTransformerEmbedder\n"
        "s = Settings(data_dir=sys.argv[1], _env_file=None)\n"
        "store = ChunkStore(s)\n"
        "chunks = {d: sorted(ids) for d, ids in store.chunk_ids_by_document().items()}\n"
        "records = {d: r.get('content_hash') for d, r in store.document_records().items()}\n"
        "index = SearchIndex(s, store, SentenceTransformerEmbedder())\n"
        "bm25 = sorted(index.bm25.chunk_ids) if chunks else []\n"
        "print(json.dumps({'chunks': chunks, 'records': records, 'bm25': bm25}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(data)], capture_output=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise RuntimeError(f"inspecting {data} failed: {done.stderr.decode()[-1500:]}")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def compare(state: dict, reference: dict) -> list[str]:
    problems = []
    if state["chunks"] != reference["chunks"]:
        extra = {d for d in state["chunks"] if state["chunks"][d] != reference["chunks"].get(d)}
        problems.append(f"chunk ids differ for {len(extra)} documents, e.g. {sorted(extra)[:3]}")
    if state["records"] != reference["records"]:
        problems.append("document records differ")
    all_ids = sorted(i for ids in state["chunks"].values() for i in ids)
    if state["bm25"] != all_ids:
        problems.append("BM25 is not built over exactly the stored chunks")
    return problems


def kill_during_ingest(data: Path, documents: Path, delay: float) -> bool:
    """Start `advisor ingest`, SIGKILL it `delay` seconds after it took the writer lock; whether it was
    still running then."""
    since = time.time() - 0.01
    process = run_ingest(data, documents, capture=False)
    wait_for_writer_lock(process, data, since)
    time.sleep(delay)
    try:
        os.kill(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # it had finished
        pass
    process.wait()
    return process.returncode == -signal.SIGKILL


def trial(number: int, data: Path, version: str, documents: Path, reference: dict, rng: random.Random,
          write_seconds: float) -> Trial:
    # Half the kills aim at the first third of the phase (model, embedding, chunk writes), half anywhere.
    span = write_seconds * (0.35 if number % 4 in (1, 2) else 0.9)
    result = Trial(number, version, delay=round(rng.uniform(0.0, span), 2))
    before = data.with_name("before")
    shutil.rmtree(before, ignore_errors=True)
    if data.exists():
        shutil.copytree(data, before)
    for _ in range(3):  # a run that ended before its kill is not a trial: from the same state, sooner
        result.killed_while_running = kill_during_ingest(data, documents, result.delay)
        if result.killed_while_running:
            break
        shutil.rmtree(data)
        if before.exists():
            shutil.copytree(before, data)
        result.delay = round(result.delay / 3, 2)
    shutil.rmtree(before, ignore_errors=True)
    snapshot = data.with_name("snapshot")  # inspected as a copy: inspecting may save a BM25 index
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(data, snapshot)
    left = inspect(snapshot)
    shutil.rmtree(snapshot)
    result.chunks_after_kill = sum(len(ids) for ids in left["chunks"].values())
    wanted = sum(len(ids) for ids in reference["chunks"].values())
    complete = not compare(left, reference)
    result.left = "all" if complete else ("part" if result.chunks_after_kill else "nothing")
    code, output = ingest_to_completion(data, documents)
    if code != 0:
        result.problems.append(f"the run after the kill exited {code}: {output[-500:]}")
    result.problems += compare(inspect(data), reference)
    code, output = ingest_to_completion(data, documents)
    if code != 0 or "0 added, 0 updated" not in output:
        result.problems.append(f"a further run was not a no-op (exit {code}): {output[-300:]}")
    result.recovered = not result.problems
    print(f"trial {number:2d} ({version}): killed {result.delay:4.1f} s after the writer lock "
          f"({'running' if result.killed_while_running else 'already done'}), left {result.left} "
          f"({result.chunks_after_kill}/{wanted} chunks); "
          f"{'recovered exactly' if result.recovered else 'PROBLEMS: ' + '; '.join(result.problems)}",
          flush=True)
    return result


def calibrate(data: Path, documents: Path) -> float:
    """Seconds from taking the writer lock to the end of a clean run."""
    since = time.time() - 0.01
    process = run_ingest(data, documents)
    wait_for_writer_lock(process, data, since)
    started = time.monotonic()
    process.communicate(timeout=900)
    if process.returncode != 0:
        raise RuntimeError("the reference ingest failed")
    return time.monotonic() - started


def run(trials: int, documents: int, work: Path, seed: int = 5) -> tuple[list[Trial], float]:
    a, b = write_versions(work / "docs", documents)
    references = {}
    write_seconds = 0.0
    for name, folder in (("A", a), ("B", b)):
        write_seconds = max(write_seconds, calibrate(work / f"reference-{name}", folder))
        references[name] = inspect(work / f"reference-{name}")
    print(f"references: A {sum(len(v) for v in references['A']['chunks'].values())} chunks, "
          f"B {sum(len(v) for v in references['B']['chunks'].values())} chunks; the write phase takes "
          f"{write_seconds:.1f} s", flush=True)
    rng = random.Random(seed)
    results = []
    data = work / "data"
    for number in range(1, trials + 1):
        version = "A" if number % 2 else "B"
        results.append(trial(number, data, version, a if version == "A" else b, references[version], rng,
                             write_seconds))
    return results, write_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--documents", type=int, default=60)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kill-trials-") as scratch:
        results, write_seconds = run(args.trials, args.documents, Path(scratch))
    running = [r for r in results if r.killed_while_running]
    failed = [r for r in results if not r.recovered]
    print(f"\n{len(results)} trials, {len(running)} killed while running "
          f"({sum(r.left == 'part' for r in results)} left a partial index); {len(failed)} did not recover")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"write_seconds": round(write_seconds, 1),
                                         "trials": [asdict(r) for r in results]}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
