"""`advisor eval` end to end on a tiny question file: a real ingest into a temp folder, the real model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli.app import app
from advisor.settings import get_settings
from tests.conftest import PROJECT_ROOT

DOCS = ("become-medical-director-7-steps", "medical-director-eligibility-opportunities")
QUESTIONS = [
    {"id": "years", "category": "factual", "turns": ["How many years of clinical practice do I need first?"],
     "expected_sources": list(DOCS), "key_facts": [["five to ten years", "5-10 years"]],
     "evidence": [{"doc": DOCS[0],
                   "quote": "typically requiring a minimum of five to ten years of active practice"}],
     "should_refuse": False},
    {"id": "safety", "category": "follow_up",
     "turns": ["Which certifications can help me move into a medical director role?",
               "Which one of those is about patient safety?"],
     "expected_sources": [DOCS[0]], "key_facts": [["CMQ", "Certified Medical Quality"]],
     "should_refuse": False},
    {"id": "dose", "category": "out_of_scope",
     "turns": ["What's the maximum daily dose of acetaminophen for an adult with cirrhosis?"],
     "expected_sources": [], "key_facts": [], "should_refuse": True},
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("eval-cli")
    corpus = root / "corpus"
    corpus.mkdir()
    for doc in DOCS:
        shutil.copy(PROJECT_ROOT / "corpus" / f"{doc}.txt", corpus)
    variables = {"ADVISOR_DATA_DIR": str(root / "data"), "ADVISOR_CORPUS_DIR": str(corpus),
                 "HF_HUB_OFFLINE": "1", "ADVISOR_LLM_JUDGE_BASE_URL": ""}
    yield variables
    get_settings.cache_clear()


def invoke(env: dict[str, str], *args: str):  # -> click.testing.Result
    get_settings.cache_clear()  # the CLI reads settings from the environment given here
    return CliRunner().invoke(app, list(args), env=env)


def test_eval_before_ingest_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    empty = dict(env, ADVISOR_DATA_DIR=str(tmp_path / "empty"))
    result = invoke(empty, "eval", "-q", "--questions", str(_write(tmp_path, QUESTIONS)))
    assert result.exit_code == 2
    assert "nothing is indexed" in result.output


def test_bad_question_file_and_unknown_retriever(env: dict[str, str], tmp_path: Path) -> None:
    bad = _write(tmp_path, [QUESTIONS[0], dict(QUESTIONS[2], category="trivia")])
    result = invoke(env, "eval", "-q", "--questions", str(bad))
    assert result.exit_code == 2 and "questions.jsonl:2" in result.output and "trivia" in result.output
    questions = str(_write(tmp_path, QUESTIONS))
    result = invoke(env, "eval", "-q", "--questions", questions, "--retriever", "magic")
    assert result.exit_code == 2 and "unknown retriever 'magic'" in result.output


def test_eval_compare_writes_json_markdown_and_chart(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "ingest", "-q").exit_code == 0
    out_json, out_md = tmp_path / "out" / "report.json", tmp_path / "out" / "REPORT.md"
    result = invoke(env, "eval", "-q", "--questions", str(_write(tmp_path, QUESTIONS)), "--compare",
                    "hybrid,baseline", "--json", str(out_json), "--md", str(out_md))
    assert result.exit_code == 0, result.output
    assert "Hit@1" in result.output and "baseline" in result.output

    payload = json.loads(out_json.read_text())
    assert set(payload) == {"summary", "questions", "runs"} and set(payload["runs"]) == {"hybrid", "baseline"}
    rows = {row["id"]: row for row in payload["questions"]}
    for row in rows.values():
        assert {"id", "category", "answer", "refused", "citations", "retrieved", "latency_ms"} <= set(row)
    years, dose = rows["years"], rows["dose"]
    assert not years["refused"] and years["retrieved"] and years["citations"]
    assert {"doc_id", "snippet"} <= set(years["citations"][0])
    assert years["hit_at_1"] in (0.0, 1.0) and years["citation_valid"] is not None
    assert dose["refused"] is True and dose["refused_correctly"] is True and dose["hit_at_1"] is None
    summary = payload["summary"]
    assert summary["counts"]["questions"] == 3 and summary["judge"].startswith("not run")
    assert summary["overall"]["refusal_accuracy"] == 1.0
    assert set(summary["by_category"]) == {"factual", "follow_up", "out_of_scope"}

    report = out_md.read_text()
    assert "| Hit@1 |" in report and "`baseline`" in report and "Floors" in report
    chart = out_md.with_name("REPORT_comparison.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "REPORT_comparison.png" in report


USERS = [
    {"id": "hi", "category": "small_talk", "turns": ["hi!"], "expected_sources": [], "key_facts": [],
     "should_refuse": False},
    {"id": "w2", "category": "near_domain", "turns": ["are medical directors usually W2 or 1099?"],
     "expected_sources": [], "key_facts": [], "should_refuse": False},
    dict(QUESTIONS[0], id="u-years", turns=["is 8 yrs of practice enough to apply?"]),
]


def test_eval_of_several_sets_writes_a_report_per_set_and_the_answers(env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    assert invoke(env, "ingest", "-q").exit_code == 0  # unchanged documents: a no-op after the test above
    shipped = _write(tmp_path, QUESTIONS)
    users = _write(tmp_path, USERS, "questions_users.jsonl")
    out = tmp_path / "out"
    result = invoke(env, "eval", "-q", "--questions", str(shipped), "--questions", str(users),
                    "--md", str(out / "REPORT.md"), "--json", str(out / "report.json"),
                    "--answers-md", str(out / "ANSWERS.md"))
    assert result.exit_code == 0, result.output
    assert "shipped set" in result.output and "users set" in result.output
    assert "Small talk answered" in result.output
    report = json.loads((out / "report_users.json").read_text())
    assert report["summary"]["config"]["question_set"] == "users"
    rows = {row["id"]: row for row in report["questions"]}
    assert {"coverage", "act", "first_sentence"} <= set(rows["hi"])
    assert rows["hi"]["small_talk_right"] is not None and rows["w2"]["near_domain_right"] is not None
    assert rows["u-years"]["lead_fact"] is not None and rows["u-years"]["filler"] is not None
    assert json.loads((out / "report.json").read_text())["summary"]["config"]["question_set"] == "shipped"
    assert (out / "REPORT_users.md").read_text().startswith("# Evaluation report: users set")
    answers = (out / "ANSWERS.md").read_text()
    assert answers.startswith("# Representative answers") and "6 questions from" in answers
    assert all(f"`{qid}`" in answers for qid in ("years", "safety", "dose", "hi", "w2", "u-years"))


def _write(folder: Path, rows: list[dict], name: str = "questions.jsonl") -> Path:
    path = folder / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path
