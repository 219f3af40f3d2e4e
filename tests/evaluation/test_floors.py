"""The quality floors on the shipped question set with the default offline pipeline (never lowered).

Part of `make test`; `make check-floors` runs it alone. A change that costs a floor fails the suite: improve
the system rather than the floor (evals/EVALUATION.md).
"""

from __future__ import annotations

from advisor.evaluation.floors import check_floors
from advisor.evaluation.harness import run_eval
from advisor.evaluation.questions import load_questions
from advisor.service import Advisor


def test_shipped_question_set_meets_the_floors(advisor: Advisor) -> None:
    run = run_eval(advisor, load_questions(), retriever="hybrid", answerer="extractive")
    summary = run.summary
    assert summary["counts"]["errors"] == 0, summary["failing"]["errors"]
    missed = {metric: r for metric, r in check_floors(summary["overall"]).items() if not r["ok"]}
    detail = "\n".join(
        f"{metric} = {r['value']} (floor {r['op']} {r['bound']}); "
        f"failing: {summary['failing'].get(metric, [])}"
        for metric, r in missed.items())
    assert not missed, f"floors not met:\n{detail}"
