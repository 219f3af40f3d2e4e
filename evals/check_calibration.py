"""Refusals on the held-out calibration questions: `.venv/bin/python evals/check_calibration.py`.

`evals/calibration.jsonl` holds questions outside the evaluation set, each marked `answerable` or not (one
JSON object per line: `{"text": ..., "answerable": true|false}`). A question counts as declined when it is
refused or answered with coverage "partial" / "none" (the answer opens by saying the articles don't cover it
and offers related points only). The scope guard's settings are checked on
them as well as on the question set, so that a refusal rule tuned to the question set shows up here as
misjudged questions. Asks each one with the configured pipeline (ingest first: `make ingest`) and writes
the result to evals/CALIBRATION.md (--md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_rows(path: Path) -> list[tuple[str, bool]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows.append((str(row["text"]), bool(row["answerable"])))
        except (ValueError, KeyError, TypeError) as exc:
            expected = '{"text": ..., "answerable": true|false}'
            raise SystemExit(f"{path}:{number}: expected {expected} ({exc})") from exc
    return rows


def declined(answer) -> bool:  # noqa: ANN001  (an advisor.models.Answer)
    """Refused, or answered only with related points after saying the articles don't cover the question."""
    return bool(answer.refused or answer.coverage in ("partial", "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "calibration.jsonl")
    parser.add_argument("--md", type=Path, default=ROOT / "evals" / "CALIBRATION.md")
    args = parser.parse_args()

    from advisor.service import Advisor
    from advisor.settings import get_settings

    advisor = Advisor(get_settings())
    if not advisor.sources():
        raise SystemExit("nothing is indexed: run `make ingest` (or `advisor ingest`) first")
    rows = load_rows(args.questions)
    judged = [(text, answerable, declined(advisor.ask(text))) for text, answerable in rows]
    right = sum(answerable != refused for _, answerable, refused in judged)
    unanswerable = [j for j in judged if not j[1]]
    answerable = [j for j in judged if j[1]]
    shown = args.questions.relative_to(ROOT) if args.questions.is_relative_to(ROOT) else args.questions
    lines = [
        "# Refusal calibration",
        "",
        f"`evals/check_calibration.py` on `{shown}` with the configured pipeline: **{right}/{len(judged)}**"
        " judged right.",
        "",
        f"- unanswerable questions declined: {sum(r for *_, r in unanswerable)}/{len(unanswerable)}",
        f"- answerable questions answered: {sum(not r for *_, r in answerable)}/{len(answerable)}",
        "",
        "| question | answerable | declined | right |",
        "|---|---|---|---|",
    ]
    yes_no = {True: "yes", False: "no"}
    lines += [f"| {text.replace('|', '&#124;')} | {yes_no[a]} | {yes_no[r]} | {'' if a != r else 'NO'} |"
              for text, a, r in judged]
    args.md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{right}/{len(judged)} judged right; wrote {args.md}")


if __name__ == "__main__":
    main()
