"""Compare the answers of two `advisor eval --json` reports row by row: answer text, refusal, standalone
question, citations (document, chunk, span, snippet) and retrieved chunk ids, for every retriever run both
hold. Timings and scores are left out: they are not behaviour.

    python evals/compare_rows.py before.json after.json      # exit 1 and a list of differences if any
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

_FIELDS = ("answer", "refused", "refusal_reason", "standalone_question")
_CITATION_FIELDS = ("n", "doc_id", "chunk_id", "snippet", "start", "end")


def behaviour(row: dict[str, Any]) -> dict[str, Any]:
    """What a row says the advisor did, without timings or scores."""
    return {
        **{f: row.get(f) for f in _FIELDS},
        "citations": [{f: c.get(f) for f in _CITATION_FIELDS} for c in row.get("citations", [])],
        "retrieved": row.get("retrieved"),
        "retrieved_chunks": row.get("retrieved_chunks"),
    }


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for name in sorted(set(before["runs"]) & set(after["runs"])):
        old = {q["id"]: behaviour(q) for q in before["runs"][name]["questions"]}
        new = {q["id"]: behaviour(q) for q in after["runs"][name]["questions"]}
        for qid in sorted(set(old) | set(new)):
            if old.get(qid) != new.get(qid):
                changed = [k for k in (old.get(qid) or new.get(qid) or {})
                           if (old.get(qid) or {}).get(k) != (new.get(qid) or {}).get(k)]
                found.append(f"{name}/{qid}: {', '.join(changed) or 'missing'}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    before, after = (json.loads(p.read_text(encoding="utf-8")) for p in (args.before, args.after))
    runs = sorted(set(before["runs"]) & set(after["runs"]))
    rows = sum(len(after["runs"][name]["questions"]) for name in runs)
    found = differences(before, after)
    for line in found:
        print(line)
    print(f"{len(found)} of {rows} rows differ (runs: {', '.join(runs)})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
