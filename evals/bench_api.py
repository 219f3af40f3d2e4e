"""Benchmark of the HTTP API (issue "Serve it"): `.venv/bin/python evals/bench_api.py`.

Ingests the shipped corpus into a temporary data directory, then against real `advisor serve` processes
on 127.0.0.1 (default extractive answerer, chat UI mounted as in production, rate limit off):
- start-to-ready: from spawning `advisor serve` to the first 200 from /readyz (median of --runs starts);
- load: --clients concurrent clients POST /v1/chat for --duration seconds each, in three rounds:
  "fresh" (every question unique, so no embedding or answer comes from a cache), "recomputed" (the 69
  eval questions in rotation against a server with the answer cache off: every answer is retrieved and
  composed again, only question vectors are cached) and "repeated" (the same rotation with the answer
  cache on, as a popular FAQ would be served).
  Reports requests/s, p50/p95/p99 latency and errors. --workers N runs `advisor serve --workers N`.
Results go to evals/API_BENCHMARKS.md (--md), above its "Earlier runs and findings", which is kept.
Every loop is bounded by count and by time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "evals" / "questions.jsonl"
MAX_REQUESTS_PER_CLIENT = 100_000
EARLIER = "## Earlier runs and findings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, answer_cache: bool = True) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env = {**base, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ADVISOR_DATA_DIR": str(data_dir),
           "ADVISOR_RATE_LIMIT_PER_MINUTE": "0", "ADVISOR_LOG_LEVEL": "WARNING"}
    return env if answer_cache else {**env, "ADVISOR_ANSWER_CACHE_SIZE": "0"}


def ingest(data_dir: Path) -> None:
    subprocess.run([sys.executable, "-m", "advisor", "ingest", "--quiet"], env=server_env(data_dir), cwd=ROOT,
                   check=True, capture_output=True, timeout=900)


@contextmanager
def serve(data_dir: Path, workers: int = 1, ready_timeout: float = 300,
          answer_cache: bool = True) -> Iterator[tuple[str, float]]:
    """`advisor serve` on a free loopback port; yields (url, seconds from spawn to ready)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    command = [sys.executable, "-m", "advisor", "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT,
                               env=server_env(data_dir, answer_cache), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = started + ready_timeout
        with httpx.Client(timeout=2) as client:
            while True:
                if time.perf_counter() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not become ready")
                try:
                    if client.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        yield url, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@dataclass
class LoadResult:
    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    refused: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0


def load_questions() -> list[str]:
    return [json.loads(line)["turns"][0] for line in QUESTIONS.read_text().splitlines() if line.strip()]


async def run_load(url: str, name: str, clients: int, duration: float, fresh: bool) -> LoadResult:
    """`clients` closed-loop clients on one aiohttp session (an httpx client here costs ~2 ms of CPU per
    request on the two cores the server uses too; aiohttp ~0.5 ms)."""
    import aiohttp

    questions = load_questions()
    result = LoadResult(name=name, seconds=duration)
    counter = iter(range(10**9))
    deadline = time.perf_counter() + duration

    async def client_loop(session: aiohttp.ClientSession) -> None:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= deadline:
                return
            n = next(counter)
            question = questions[n % len(questions)]
            if fresh:
                question = f"{question} (asked by reader {n})"
            started = time.perf_counter()
            try:
                async with session.post(f"{url}/v1/chat", json={"message": question}) as response:
                    body = await response.json() if response.status == 200 else None
            except (aiohttp.ClientError, TimeoutError):
                body = None
            if body is not None:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.refused += bool(body["refused"])
            else:
                result.errors += 1

    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(session) for _ in range(clients)))
        result.seconds = time.perf_counter() - started
    return result


def machine_note() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"load average (1/5/15 min) when the load test ended: {load}")


def write_markdown(path: Path, starts: list[float], results: list[LoadResult], clients: int, note: str,
                   load_before: str, workers: int) -> None:
    lines = [
        "# API benchmarks",
        "",
        "Measured by `evals/bench_api.py` against real `advisor serve` processes on 127.0.0.1 (default",
        "extractive answerer, chat UI mounted, rate limit off, SQLite conversations in a temp data dir).",
        "",
        f"Machine: {note}. Load average before the run: {load_before}. Server: `advisor serve --workers "
        f"{workers}`.",
        "",
        "## Start to ready",
        "",
        "From spawning `advisor serve` to the first 200 from `/readyz` (imports, app with UI, model load,",
        f"index load, warm-up): runs {', '.join(f'{s:.1f}' for s in starts)} s; "
        f"**median {statistics.median(starts):.1f} s** (target <= 10 s).",
        "",
        f"## Load: {clients} concurrent clients, POST /v1/chat, {workers} worker(s)",
        "",
        "| round | duration s | requests | req/s | p50 ms | p95 ms | p99 ms | errors | refused |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r.name} | {r.seconds:.0f} | {r.requests} | {r.requests / r.seconds:.1f} | "
                     f"{r.percentile(50):.0f} | {r.percentile(95):.0f} | {r.percentile(99):.0f} | "
                     f"{r.errors} | {r.refused} |")
    lines += [
        "",
        "Targets: 0 errors, p95 <= 250 ms. \"fresh\": every question unique (nothing cached: every",
        "question is embedded, twice with its focused form); \"recomputed\": the 69 eval questions in",
        "rotation with the answer cache off (each answer retrieved and composed again; question vectors",
        "cached); \"repeated\": the same rotation with the answer cache on, as a portal's FAQ traffic would",
        "be served. Each round runs on a newly started server. Latency is end to end (HTTP, auth, history,",
        "answering, SQLite write). With 20 closed-loop clients on 2 cores latency is queueing:",
        "p95 ~= clients / throughput, and throughput ~= 2 cores / CPU per request (the load generator",
        "shares the cores).",
        "",
    ]
    earlier = path.read_text(encoding="utf-8").partition(EARLIER)[2] if path.exists() else ""
    if earlier.strip():  # the hand-written record of earlier runs and findings is kept below the new run
        lines += [EARLIER + earlier.rstrip("\n"), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds per load round.")
    parser.add_argument("--runs", type=int, default=3, help="Server starts timed for start-to-ready.")
    parser.add_argument("--workers", type=int, default=1, help="`advisor serve --workers`.")
    parser.add_argument("--rounds", default="fresh,recomputed,repeated",
                        help="Load rounds to run, comma-separated (a subset for a quick comparison).")
    parser.add_argument("--md", type=Path, default=ROOT / "evals" / "API_BENCHMARKS.md")
    args = parser.parse_args()
    rounds = (("fresh", True, True), ("recomputed", False, False), ("repeated", False, True))
    chosen = args.rounds.split(",")
    unknown = sorted(set(chosen) - {name for name, _, _ in rounds})
    if unknown:
        parser.error(f"unknown round(s) {', '.join(unknown)}: choose from fresh, recomputed, repeated")

    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        data_dir = Path(tmp) / "data"
        print("ingesting the corpus...", flush=True)
        ingest(data_dir)
        starts = []
        for run in range(args.runs):
            with serve(data_dir, args.workers) as (_, seconds):
                starts.append(seconds)
                print(f"start {run + 1}: ready after {seconds:.1f}s", flush=True)
        results = []
        for name, fresh, answer_cache in (r for r in rounds if r[0] in chosen):
            with serve(data_dir, args.workers, answer_cache=answer_cache) as (url, _):
                result = asyncio.run(run_load(url, name, args.clients, args.duration, fresh))
            results.append(result)
            print(f"{name}: {result.requests} requests, {result.requests / result.seconds:.1f}/s, "
                  f"p50 {result.percentile(50):.0f} ms, p95 {result.percentile(95):.0f} ms, "
                  f"p99 {result.percentile(99):.0f} ms, {result.errors} errors", flush=True)
    write_markdown(args.md, starts, results, args.clients, machine_note(), load_before, args.workers)
    print(f"wrote {args.md}")


if __name__ == "__main__":
    main()
