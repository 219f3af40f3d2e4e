"""Run the users' question set through the advisor as it is checked out and save the raw answers.

Reads the JSONL itself (no category check), so it also runs questions the package's loader would reject.
Every earlier turn of a conversation is asked too and becomes history, as a chat client would send it.

    cd CHECKOUT && ADVISOR_DATA_DIR=CHECKOUT/.advisor ADVISOR_CORPUS_DIR=CHECKOUT/corpus \
        HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONPATH=CHECKOUT \
        python evals/first_run_users.py --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import advisor
from advisor.models import Answer, Turn
from advisor.service import Advisor

HERE = Path(__file__).resolve().parent


def record(answer: Answer) -> dict[str, object]:
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "citations": [{"n": c.n, "doc_id": c.doc_id, "snippet": c.snippet} for c in answer.citations],
        "retrieved": list(dict.fromkeys(r.chunk.doc_id for r in answer.retrieved)),
    }


def run(service: Advisor, row: dict) -> dict[str, object]:
    history: list[Turn] = []
    earlier = []
    for turn in row["turns"][:-1]:
        answer = service.ask(turn, history=list(history))
        earlier.append({"question": turn, "answer": answer.text, "refused": answer.refused})
        history += [Turn(role="user", content=turn), Turn(role="assistant", content=answer.text)]
    final = service.ask(row["turns"][-1], history=list(history))
    return {"id": row["id"], "category": row["category"], "turns": row["turns"], **record(final),
            "earlier_turns": earlier}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=HERE / "questions_users.jsonl")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON results")
    args = parser.parse_args()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    root = Path(advisor.__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    service = Advisor()
    service.ingest()
    started = time.perf_counter()
    results = [run(service, row) for row in rows]
    meta = {"advisor": str(root), "commit": commit, "questions": str(args.questions), "count": len(results),
            "seconds": round(time.perf_counter() - started, 1)}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    print(f"{len(results)} questions -> {args.out} ({meta['seconds']} s, advisor at {root} {commit})")


if __name__ == "__main__":
    main()
