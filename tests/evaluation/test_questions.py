"""The question-set loader: every validation error names its line; the shipped set is well-formed and fair."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from advisor.evaluation.metrics import phrase_in
from advisor.evaluation.questions import QuestionSetError, load_corpus_texts, load_questions
from tests.conftest import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
DOC = "become-medical-director-7-steps"
QUOTE = "typically requiring a minimum of five to ten years of active practice"


def good(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {"id": "q1", "category": "factual", "turns": ["How many years of practice?"],
                              "expected_sources": [DOC], "key_facts": [["five to ten years", "5-10 years"]],
                              "evidence": [{"doc": DOC, "quote": QUOTE}], "should_refuse": False}
    row.update(changes)
    return row


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "questions.jsonl"
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path: Path) -> None:
    refusal = {"id": "r1", "category": "out_of_scope", "turns": ["Dose of X?"], "expected_sources": [],
               "key_facts": [], "should_refuse": True}
    multi = good(id="m1", category="follow_up", turns=["First?", "And then?"])
    questions = load_questions(write(tmp_path, good(), "", refusal, multi), CORPUS)
    assert [q.id for q in questions] == ["q1", "r1", "m1"]
    assert questions[2].question == "And then?" and questions[2].history_turns == ("First?",)
    assert questions[2].line == 4  # blank lines are skipped but still counted
    assert questions[0].key_facts == (("five to ten years", "5-10 years"),)


BAD_ROWS: list[tuple[object, str]] = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ({k: v for k, v in good().items() if k != "key_facts"}, "missing field(s) key_facts"),
    (good(notes="x"), "unknown field(s) notes"),
    (good(id=""), "'id' must be a non-empty string"),
    (good(category="trivia"), "unknown category 'trivia'"),
    (good(turns=[]), "'turns' must be a non-empty list"),
    (good(turns=["ok", "  "]), "'turns' must be a non-empty list"),
    (good(expected_sources=["no-such-doc"]), "unknown document id 'no-such-doc'"),
    (good(expected_sources=[DOC, DOC]), "lists the same entry twice"),
    (good(should_refuse="no"), "'should_refuse' must be true or false"),
    (good(key_facts="five"), "'key_facts' must be a list of groups"),
    (good(key_facts=[[]]), "key_facts group 1 must be a non-empty list"),
    (good(key_facts=[["a"], ["ok", ""]]), "key_facts group 2 holds an empty"),
    (good(key_facts=["five to ten years"]), "key_facts group 1 must be a non-empty list"),
    (good(evidence={"doc": DOC}), "'evidence' must be a list"),
    (good(evidence=[{"doc": DOC}]), "evidence 1 must be an object with exactly 'doc' and 'quote'"),
    (good(evidence=[{"doc": "nope", "quote": "x"}]), "evidence 1: unknown document id 'nope'"),
    (good(evidence=[{"doc": DOC, "quote": "a sentence nobody wrote"}]), "quote is not verbatim"),
    (good(evidence=[{"doc": "recruitingblogs-become-medical-director", "quote": "Views: 118"}],
          expected_sources=["recruitingblogs-become-medical-director"]), "not in the cleaned text"),
    (good(evidence=[{"doc": "career-as-medical-director", "quote": "Medical Expertise"}]),
     "not in expected_sources"),
    (good(should_refuse=True), "should be refused has empty expected_sources"),
    (good(expected_sources=[], evidence=[]), "needs expected_sources"),
    (good(key_facts=[]), "needs key_facts"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_each_error_names_the_line(tmp_path: Path, row: object, message: str) -> None:
    path = write(tmp_path, good(id="first"), row)
    with pytest.raises(QuestionSetError) as caught:
        load_questions(path, CORPUS)
    assert "questions.jsonl:2" in str(caught.value)
    assert message in str(caught.value)


def test_duplicate_ids_missing_files_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionSetError, match=r"questions.jsonl:3: duplicate id 'q1'"):
        load_questions(write(tmp_path, good(), good(id="q2"), good()), CORPUS)
    with pytest.raises(QuestionSetError, match="does not exist"):
        load_questions(tmp_path / "missing.jsonl", CORPUS)
    with pytest.raises(QuestionSetError, match="no questions"):
        load_questions(write(tmp_path, ""), CORPUS)
    with pytest.raises(QuestionSetError, match="corpus folder"):
        load_questions(write(tmp_path, good()), tmp_path / "no-corpus")


def test_the_default_question_file_is_read_from_the_working_directory(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # not a checkout: no evals/questions.jsonl here
    with pytest.raises(QuestionSetError) as caught:
        load_questions(corpus_dir=CORPUS)
    assert str(tmp_path / "evals" / "questions.jsonl") in str(caught.value)
    assert "working directory" in str(caught.value)


# ---- the shipped set -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped() -> list:
    return load_questions(corpus_dir=CORPUS)  # evals/questions.jsonl of the working directory (the checkout)


def test_shipped_set_has_the_required_mix(shipped: list) -> None:
    counts = Counter(q.category for q in shipped)
    assert len(shipped) >= 60
    assert counts["multi_hop"] >= 8 and counts["follow_up"] >= 8
    assert counts["out_of_scope"] >= 8 and counts["adversarial"] >= 6
    factual_docs = Counter(d for q in shipped if q.category == "factual" for d in q.expected_sources)
    assert set(factual_docs) == set(load_corpus_texts(PROJECT_ROOT / "corpus"))
    assert all(n >= 3 for n in factual_docs.values()), factual_docs
    assert all(len(q.expected_sources) >= 2 for q in shipped if q.category == "multi_hop")
    assert all(len(q.turns) >= 2 for q in shipped if q.category == "follow_up")


def test_shipped_answerable_questions_are_grounded(shipped: list) -> None:
    corpus = load_corpus_texts(PROJECT_ROOT / "corpus")
    for q in shipped:
        if q.should_refuse:
            continue
        assert q.evidence, f"{q.id} has no evidence"
        assert 1 <= len(q.key_facts) <= 3, q.id
        for group in q.key_facts:  # each fact is stated in one of the expected documents
            assert any(phrase_in(p, corpus[d][1]) for p in group for d in q.expected_sources), (q.id, group)


def test_shipped_set_holds_the_issue_s_follow_ups(shipped: list) -> None:
    by_last = {q.question: q for q in shipped}
    safety = by_last["Which one of those is about patient safety?"]
    assert "certification" in safety.turns[0].lower()
    assert safety.expected_sources == ("become-medical-director-7-steps",)
    assert any("CMQ" in group for group in safety.key_facts)
    government = by_last["and in government agencies?"]
    assert "insurance" in government.turns[0].lower()
    refused_adversarial = [q for q in shipped if q.category == "adversarial" and q.should_refuse]
    assert len(refused_adversarial) >= 4
