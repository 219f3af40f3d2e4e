"""Cold-start benchmark: `.venv/bin/python evals/bench_cold.py` (results: evals/COLD_START.md).

Measures, on this machine, in one run:
- cold `advisor ask`: a new process answering QUESTION from a data directory `advisor ingest` prepared,
  against the naive path, a new process that imports sentence-transformers, loads the bundled model and
  encodes one sentence. Interleaved (naive, ask, naive, ask, ...), --runs of each; medians, ranges and their
  ratio. With --torch-fallback a third arm: the same `advisor ask` on a copy of the data directory without its
  ONNX question encoder (the path a data directory ingested without it takes).
- start to ready of `advisor serve` (spawn to the first 200 from /readyz, as in `bench_api.py`): a data
  directory's first start right after `advisor ingest`, the next start of the same directory, and the first
  start of a copy without the saved warm-up vectors (how a data directory ingested before they were saved at
  ingest started). Each round starts all three, on a new copy of the ingested directory.
- what that costs `advisor ingest`: the shipped corpus from scratch in a new process (now with the warm-up
  vectors and the ONNX export and its check), and again unchanged.
With --check-answers it also checks that the cold path answers exactly as the served one: every turn of
every question of evals/questions.jsonl and evals/questions_users.jsonl asked of a warmed-up Advisor (torch)
and of a new Advisor per conversation prepared as `advisor ask` prepares it, in another process (saved
vectors, the ONNX question encoder; torch never imported), text and citations compared; and the ONNX vector
of each turn and of its focused form against torch's (largest difference; the tolerance is 1e-6).
Prints a JSON summary and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

from bench_api import serve, server_env  # noqa: E402

QUESTION = "What does a medical director earn?"
QUESTION_SETS = (ROOT / "evals" / "questions.jsonl", ROOT / "evals" / "questions_users.jsonl")
NAIVE = (
    "import sys\n"
    "from sentence_transformers import SentenceTransformer\n"
    "SentenceTransformer(sys.argv[1], device='cpu').encode([sys.argv[2]])\n"
)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed: {result.stderr[-2000:]}")
    return seconds, result


def ingest(data_dir: Path) -> float:
    return timed([sys.executable, "-m", "advisor", "ingest", "--quiet"], server_env(data_dir))[0]


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2), "runs": [round(v, 2) for v in values]}


def bench_ask(template: Path, runs: int, torch_fallback: bool) -> dict[str, Any]:
    from advisor.retrieval.model_loading import bundled_model_dir
    from advisor.retrieval.onnx_query import QUERY_ENCODER_DIR

    model = str(bundled_model_dir())
    arms: dict[str, tuple[list[str], dict[str, str]]] = {
        "naive": ([sys.executable, "-c", NAIVE, model, QUESTION], server_env(template)),
        "ask": ([sys.executable, "-m", "advisor", "ask", QUESTION], server_env(template)),
    }
    if torch_fallback:
        without = template.parent / "without-onnx"
        shutil.copytree(template, without)
        shutil.rmtree(without / QUERY_ENCODER_DIR)
        arms["ask_torch"] = ([sys.executable, "-m", "advisor", "ask", QUESTION], server_env(without))
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    stderr: dict[str, str] = {}
    for _ in range(runs):
        for name, (command, env) in arms.items():
            took, result = timed(command, env)
            seconds[name].append(took)
            stderr[name] = result.stderr
    row: dict[str, Any] = {name: summary(values) for name, values in seconds.items()}
    row["ratio"] = round(row["ask"]["median"] / row["naive"]["median"], 3)
    row["ask_stderr"] = stderr["ask"]  # empty: no progress bar, no warning
    return row


def bench_ingest(work: Path, runs: int) -> dict[str, Any]:
    seconds: dict[str, list[float]] = {"scratch": [], "unchanged": []}
    for n in range(runs):
        data_dir = work / f"ingest-{n}"
        seconds["scratch"].append(ingest(data_dir))
        seconds["unchanged"].append(ingest(data_dir))
        shutil.rmtree(data_dir)
    return {name: summary(values) for name, values in seconds.items()}


def bench_starts(template: Path, runs: int) -> dict[str, Any]:
    from advisor.retrieval.vector_cache import WARM_VECTORS_FILE

    seconds: dict[str, list[float]] = {"first": [], "next": [], "first_without_saved_vectors": []}
    for n in range(runs):
        fresh = template.parent / f"start-{n}"
        shutil.copytree(template, fresh)
        for name in ("first", "next"):
            with serve(fresh) as (_, took):
                seconds[name].append(took)
        unsaved = template.parent / f"unsaved-{n}"
        shutil.copytree(template, unsaved)
        (unsaved / WARM_VECTORS_FILE).unlink()
        with serve(unsaved) as (_, took):
            seconds["first_without_saved_vectors"].append(took)
        shutil.rmtree(fresh)
        shutil.rmtree(unsaved)
    return {name: summary(values) for name, values in seconds.items()}


def conversations() -> list[tuple[str, list[str]]]:
    lines = [line for path in QUESTION_SETS for line in path.read_text().splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines]
    return [(row["id"], list(row["turns"])) for row in rows]


def answers(prepared: bool) -> dict[str, Any]:
    """Every turn's text and citations: of one warmed-up Advisor, or (`prepared`) of a new Advisor per
    conversation that reads what the ingest prepared, as `advisor ask` and `advisor chat` do."""
    from advisor.models import Turn
    from advisor.service import Advisor
    from advisor.settings import Settings

    settings = Settings()
    served = None
    if not prepared:
        served = Advisor(settings)
        served.warm_up()
    rows: dict[str, list[dict[str, Any]]] = {}
    for qid, turns in conversations():
        advisor = served
        if advisor is None:
            advisor = Advisor(settings)
            if not advisor.embedder.use_prepared(settings.data_dir):
                raise RuntimeError("no checked ONNX question encoder in the data directory")
        history: list[Turn] = []
        rows[qid] = []
        for turn in turns:
            answer = advisor.ask(turn, history=list(history))
            rows[qid].append({"text": answer.text, "citations": [c.model_dump() for c in answer.citations]})
            history += [Turn(role="user", content=turn), Turn(role="assistant", content=answer.text)]
    return {"rows": rows, "torch_imported": "torch" in sys.modules}


def check_answers(template: Path) -> dict[str, Any]:
    """The cold path's answers against the served path's, and the ONNX vectors against torch's."""
    import numpy as np

    from advisor.retrieval.embeddings import SentenceTransformerEmbedder, bundled_model_dir
    from advisor.retrieval.onnx_query import OnnxQueryEncoder
    from advisor.service import Advisor
    from advisor.settings import Settings

    env = server_env(template)
    _, result = timed([sys.executable, __file__, "--dump-prepared"], env)
    prepared = json.loads(result.stdout)
    os.environ["ADVISOR_DATA_DIR"] = str(template)
    served = answers(prepared=False)
    turns = [(qid, n) for qid, rows in served["rows"].items() for n in range(len(rows))]
    differing = [f"{qid}#{n}" for qid, n in turns if served["rows"][qid][n] != prepared["rows"][qid][n]]

    torch = SentenceTransformerEmbedder()
    onnx = OnnxQueryEncoder.find(template, bundled_model_dir())
    if onnx is None:
        raise RuntimeError("no checked ONNX question encoder in the data directory")
    focus = Advisor(Settings()).index.terms.focus
    texts = list(dict.fromkeys(t for _, ts in conversations() for turn in ts for t in (turn, focus(turn))))
    largest = max(float(np.abs(onnx.encode([t]) - torch.embed([t])).max()) for t in texts)
    return {"turns": len(turns), "differing_turns": differing, "texts_compared": len(texts),
            "max_vector_difference": largest, "prepared_imported_torch": prepared["torch_imported"]}


def markdown(result: dict[str, Any]) -> str:
    ask = result["ask"]

    def cell(row: dict[str, Any]) -> str:
        return f"{row['median']} s ({row['min']}-{row['max']})"

    lines = [f"| measure | median (range) of {result['runs']} runs |", "|---|---|",
             f"| naive path: import sentence-transformers, load the model, encode one sentence | "
             f"{cell(ask['naive'])} |",
             f"| cold `advisor ask \"{QUESTION}\"` | {cell(ask['ask'])} |",
             f"| ratio of medians | {ask['ratio']} |"]
    if "ask_torch" in ask:
        lines.append(f"| cold `advisor ask`, no ONNX question encoder (torch) | {cell(ask['ask_torch'])} |")
    if "starts" in result:
        starts = result["starts"]
        lines += [f"| `advisor serve` start to ready, first start after `advisor ingest` | "
                  f"{cell(starts['first'])} |",
                  f"| `advisor serve` start to ready, next start | {cell(starts['next'])} |",
                  f"| `advisor serve` first start without saved warm-up vectors | "
                  f"{cell(starts['first_without_saved_vectors'])} |"]
    if "ingest" in result:
        lines += [f"| `advisor ingest` of the shipped corpus from scratch, new process | "
                  f"{cell(result['ingest']['scratch'])} |",
                  f"| `advisor ingest` again, unchanged | {cell(result['ingest']['unchanged'])} |"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Timed runs of each arm (interleaved).")
    parser.add_argument("--torch-fallback", action="store_true",
                        help="Also time `ask` without the ONNX export.")
    parser.add_argument("--no-starts", action="store_true", help="Skip the `advisor serve` starts.")
    parser.add_argument("--no-ingest", action="store_true", help="Skip timing `advisor ingest`.")
    parser.add_argument("--check-answers", action="store_true", help="Also compare cold and served answers.")
    parser.add_argument("--dump-prepared", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump_prepared:  # the other process of --check-answers
        print(json.dumps(answers(prepared=True)))
        return
    with tempfile.TemporaryDirectory(prefix="advisor-cold-") as tmp:
        template = Path(tmp) / "data"
        load_before = os.getloadavg()
        ingest(template)
        result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
                                  "runs": args.runs, "load_before": [round(x, 2) for x in load_before]}
        result["ask"] = bench_ask(template, args.runs, args.torch_fallback)
        if not args.no_starts:
            result["starts"] = bench_starts(template, args.runs)
        if not args.no_ingest:
            result["ingest"] = bench_ingest(Path(tmp), args.runs)
        if args.check_answers:
            result["check"] = check_answers(template)
        result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
