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
    (dict(good(category="near_domain", expected_sources=[], key_facts=[], evidence=[]), should_refuse=True),
     "a near_domain question has should_refuse false"),
    (good(category="near_domain", evidence=[]), "a near_domain question has empty expected_sources"),
    (good(category="small_talk", expected_sources=[], evidence=[]), "a small_talk question has empty"),
    (good(category="small_talk", expected_sources=[], key_facts=[]), "a small_talk question has empty"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_each_error_names_the_line(tmp_path: Path, row: object, message: str) -> None:
    path = write(tmp_path, good(id="first"), row)
    with pytest.raises(QuestionSetError) as caught:
        load_questions(path, CORPUS)
    assert "questions.jsonl:2" in str(caught.value)
    assert message in str(caught.value)


def test_near_domain_and_small_talk_questions_load(tmp_path: Path) -> None:
    near = {"id": "n1", "category": "near_domain", "turns": ["Do medical directors still see patients?"],
            "expected_sources": [], "key_facts": [], "evidence": [], "should_refuse": False}
    talk = {"id": "s1", "category": "small_talk", "turns": ["Which skills first?", "thanks, that helps"],
            "expected_sources": [], "key_facts": [], "should_refuse": False}
    questions = load_questions(write(tmp_path, good(), near, talk), CORPUS)
    assert [(q.category, q.answerable) for q in questions] == [
        ("factual", True), ("near_domain", False), ("small_talk", False)]
    assert questions[2].question == "thanks, that helps" and not questions[2].should_refuse


def test_duplicate_ids_missing_files_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(QuestionSetError, match=r"questions.jsonl:3: duplicate id 'q1'"):
        load_questions(write(tmp_path, good(), good(id="q2"), good()), CORPUS)
    with pytest.raises(QuestionSetError, match="does not exist"):
        load_questions(tmp_path / "missing.jsonl", CORPUS)
    with pytest.raises(QuestionSetError, match="no questions"):
        load_questions(write(tmp_path, ""), CORPUS)
    with pytest.raises(QuestionSetError, match="corpus folder"):
        load_questions(write(tmp_path, good()), tmp_path / "no-corpus")


def test_the_default_question_file_is_read_from_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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


# ---- the users' set --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def users() -> list:
    return load_questions(PROJECT_ROOT / "evals" / "questions_users.jsonl", CORPUS)


def test_users_set_loads_with_its_categories(users: list) -> None:
    counts = Counter(q.category for q in users)
    assert len(users) == 72
    assert counts == {"factual": 31, "multi_hop": 6, "follow_up": 9, "near_domain": 10, "small_talk": 8,
                      "out_of_scope": 5, "adversarial": 3}
    assert sum(q.answerable for q in users) == 46
    assert all(not q.should_refuse and not q.key_facts for q in users
               if q.category in ("near_domain", "small_talk"))
    assert any(len(q.turns) == 2 for q in users if q.category == "small_talk")  # thanks after an answer


def test_users_answerable_questions_are_grounded(users: list) -> None:
    corpus = load_corpus_texts(CORPUS)
    for q in users:
        if not q.answerable:
            continue
        assert q.evidence, f"{q.id} has no evidence"
        for group in q.key_facts:
            assert any(phrase_in(p, corpus[d][1]) for p in group for d in q.expected_sources), (q.id, group)
