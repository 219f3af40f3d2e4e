"""Benchmark of the browser side: serving pages, streamed answers as the widget gets them, page loads.

Starts the full app (`create_app`) on loopback over a freshly ingested temporary data directory, then reports
medians. Every loop is bounded by a count and a time budget. Usage:

    HF_HUB_OFFLINE=1 .venv/bin/python evals/bench_web.py [--runs 7] [--md evals/web.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer, build_app, wait_ready  # noqa: E402

QUESTIONS = ["What does a medical director do?", "How do I become a medical director?",
             "Which skills and qualifications help?", "Where do medical directors work?"]
BUDGET_SECONDS = 120.0


def timed_runs(runs: int, action: Callable[[int], float | None]) -> list[float]:
    """Up to `runs` measurements (ms) of `action(i)`, stopping early when the time budget is spent."""
    values: list[float] = []
    deadline = time.monotonic() + BUDGET_SECONDS
    for i in range(runs):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        measured = action(i)
        values.append(measured if measured is not None else (time.perf_counter() - started) * 1000)
    return values


def fetch(url: str) -> None:
    httpx.get(url).raise_for_status()


def stream_timings(url: str, question: str) -> tuple[float, float]:
    """(ms to the first `delta` event, ms to `done`) of one POST /v1/chat/stream."""
    started = time.perf_counter()
    first = total = 0.0
    with httpx.stream("POST", f"{url}/v1/chat/stream", json={"message": question}, timeout=60) as response:
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "delta" and not first:
                first = (time.perf_counter() - started) * 1000
            elif line.startswith("data:") and event == "done":
                total = (time.perf_counter() - started) * 1000
                json.loads(line[5:])
    return first, total


def browser_loads(url: str, runs: int) -> dict[str, list[float]]:
    """ms from navigation until the Gradio chat box, and the /embed form, are visible."""
    from playwright.sync_api import sync_playwright

    results: dict[str, list[float]] = {"ui": [], "embed": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for name, path, selector in (("ui", "/", "#chat"), ("embed", "/embed", "#question")):
            def load(_: int, path: str = path, selector: str = selector) -> float:
                context = browser.new_context()
                page = context.new_page()
                started = time.perf_counter()
                page.goto(url + path)
                page.locator(selector).wait_for(state="visible", timeout=60_000)
                elapsed = (time.perf_counter() - started) * 1000
                context.close()
                return elapsed
            results[name] = timed_runs(runs, load)
        browser.close()
    return results


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms (n={len(values)})" if values else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--md", type=Path, default=None, help="Write the results as markdown here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), _env_file=None)  # type: ignore[call-arg]
        advisor = Advisor(settings)
        advisor.ingest()
        server = LiveServer(build_app(settings, advisor)).start()
        try:
            wait_ready(server.url)
            httpx.get(f"{server.url}/")  # first render builds Gradio's config
            page_ms = timed_runs(args.runs * 3, lambda _: fetch(f"{server.url}/"))
            embed_ms = timed_runs(args.runs * 3, lambda _: fetch(f"{server.url}/embed"))
            streams = [stream_timings(server.url, QUESTIONS[i % len(QUESTIONS)]) for i in range(args.runs)]
            loads = browser_loads(server.url, max(3, args.runs // 2)) if CHROMIUM.exists() else {}
        finally:
            server.stop()
    rows = [
        ("GET / (Gradio page, nonce rewrite)", median(page_ms)),
        ("GET /embed", median(embed_ms)),
        ("/v1/chat/stream: first delta", median([s[0] for s in streams])),
        ("/v1/chat/stream: done", median([s[1] for s in streams])),
        ("Chromium: Gradio UI visible", median(loads.get("ui", []))),
        ("Chromium: /embed form visible", median(loads.get("embed", []))),
    ]
    table = "| measure | median |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    print(table)
    if args.md:
        args.md.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
