"""The quality floors on the shipped and the users' question sets, default offline pipeline (never lowered).

Part of `make test`; `make check-floors` runs it alone. A change that costs a floor fails the suite: improve
the system rather than the floor (evals/EVALUATION.md). The floors come from `advisor/evaluation/floors.py`:
the original ones (`FLOORS`) hold on the shipped set as before; the answer-quality ones (`QUALITY_FLOORS`) and
every floor on the users' set are new and marked as expected to fail until the answer planning lands.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from advisor.evaluation.filler import load_filler
from advisor.evaluation.floors import FLOORS, QUALITY_FLOORS, SET_FLOORS, check_floors
from advisor.evaluation.harness import EvalRun, run_eval
from advisor.evaluation.questions import load_questions
from advisor.service import Advisor
from tests.conftest import CORPUS_DIR, PROJECT_ROOT

ANSWER_PLANNING = pytest.mark.xfail(strict=False, reason="answer planning in progress")
USERS_FILE = PROJECT_ROOT / "evals" / "questions_users.jsonl"


def _filler() -> list[str]:
    return [f.text for f in load_filler(PROJECT_ROOT / "evals" / "filler.jsonl", CORPUS_DIR)]


@pytest.fixture(scope="module")
def shipped_run(advisor: Advisor) -> EvalRun:
    return run_eval(advisor, load_questions(), retriever="hybrid", answerer="extractive",
                    question_set="shipped", filler=_filler())


@pytest.fixture(scope="module")
def users_run(advisor: Advisor) -> EvalRun:
    return run_eval(advisor, load_questions(USERS_FILE, CORPUS_DIR), retriever="hybrid",
                    answerer="extractive", question_set="users", filler=_filler())


def _assert_floors(run: EvalRun, floors: dict, metrics: Iterable[str]) -> None:
    summary = run.summary
    table = {metric: floors[metric] for metric in metrics}
    results = check_floors(summary["overall"], table, summary["by_category"])
    missed = {metric: r for metric, r in results.items() if not r["ok"]}
    detail = "\n".join(
        f"{metric} = {r['value']} (floor {r['op']} {r['bound']}); "
        f"failing: {summary['failing'].get(metric, [])}"
        for metric, r in missed.items())
    assert not missed, f"floors not met:\n{detail}"


def test_shipped_question_set_meets_the_floors(shipped_run: EvalRun) -> None:
    assert shipped_run.summary["counts"]["errors"] == 0, shipped_run.summary["failing"]["errors"]
    _assert_floors(shipped_run, FLOORS, FLOORS)


@ANSWER_PLANNING
def test_shipped_question_set_meets_the_answer_quality_floors(shipped_run: EvalRun) -> None:
    _assert_floors(shipped_run, SET_FLOORS["shipped"], QUALITY_FLOORS)


def test_users_question_set_runs_without_errors(users_run: EvalRun) -> None:
    assert users_run.summary["counts"]["errors"] == 0, users_run.summary["failing"]["errors"]
    assert users_run.summary["counts"]["questions"] == 72


@ANSWER_PLANNING
def test_users_question_set_meets_the_retrieval_and_citation_floors(users_run: EvalRun) -> None:
    _assert_floors(users_run, SET_FLOORS["users"], [m for m in FLOORS if m not in QUALITY_FLOORS])


@ANSWER_PLANNING
def test_users_question_set_meets_the_answer_quality_floors(users_run: EvalRun) -> None:
    _assert_floors(users_run, SET_FLOORS["users"], QUALITY_FLOORS)
